import type { SourcedNhi } from '@nhi/nhi';
import type { ObservedFact } from '../scan-facts.ts';

/** A bad row or document: reported on the scan, the rest of the input is still read. */
export interface ScanWarning {
  /** Where: `row 4`, `document 2 (ServiceAccount ci/deployer)`, `UserDetailList[3]`. */
  item: string;
  message: string;
}

/** A fact about one identity; credentialKey ties it to one of the identity's credentials. */
export interface IdentityFact extends ObservedFact {
  credentialKey?: string;
}

/** One identity as a connector reports it, with what it observed about it. */
export interface DiscoveredNhi extends SourcedNhi {
  facts: IdentityFact[];
}

/** A secret found in files: only the masked match and the fingerprint leave the connector. */
export interface DiscoveredLeak {
  rule: string;
  file: string;
  line: number | null;
  commit: string | null;
  maskedMatch: string;
  fingerprint: string;
}

export interface ConnectorOutput {
  nhis: DiscoveredNhi[];
  /** Facts about no identity of the inventory (a binding to a ServiceAccount that does not exist). */
  looseFacts: ObservedFact[];
  leaks: DiscoveredLeak[];
  warnings: ScanWarning[];
}

export function emptyOutput(): ConnectorOutput {
  return { nhis: [], looseFacts: [], leaks: [], warnings: [] };
}

/** The input of a scan that is not the connector's format at all: the scan fails with this message. */
export class UnreadableInputError extends Error {}
