import type { NhiProvider, SourcedNhi } from '@nhi/nhi';
import type { ObservedFact } from '../api/scan-facts.ts';
import type { SecretType, Verification } from './secrets/secret-types.ts';

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
  /** What the secret is, normalised across detectors and reports. */
  secretType: SecretType;
  /** Whether the secret was found to work (by the report that found it); null when nobody checked. */
  verification: Verification | null;
}

/**
 * A fact about no identity of the input: about none at all (a user of a cluster), or about an identity
 * the input names by external id but does not hold (a ServiceAccount bound in this file, exported in
 * another file or source of the same cluster). Only the inventory knows whether that one exists.
 */
export interface LooseFact extends ObservedFact {
  about?: { provider: NhiProvider; externalId: string };
  /**
   * With `about`: `known` facts are recorded on the identity when the realm's inventory has it and
   * dropped when not; `unknown` ones (an orphaned binding) are recorded, about no identity, only when
   * it has not. Neither: on the identity when there is one, about no identity otherwise.
   */
  when?: 'known' | 'unknown';
}

export interface ConnectorOutput {
  nhis: DiscoveredNhi[];
  /** Facts about no identity of the input. */
  looseFacts: LooseFact[];
  /**
   * The external ids this input speaks for (a Kubernetes source's cluster): a complete scan marks
   * missing only the identities under it that the source reported before.
   */
  externalIdPrefix?: string;
  /**
   * External id prefixes the input could not read this time (an AWS account whose role could not be
   * assumed): a complete scan marks nothing under them missing and keeps their facts as they were.
   */
  unreadExternalIdPrefixes?: string[];
  /**
   * The same for inputs whose external ids end with their scope: an email domain
   * (`@shop-prod.iam.gserviceaccount.com`, for a Google Cloud project the key may not read), or
   * one whole external id.
   */
  unreadExternalIdSuffixes?: string[];
  /**
   * Resources the input could not read this time (a Google Cloud folder whose IAM policy was
   * refused): a complete scan keeps the facts whose evidence names one (`evidence.resource`) as they
   * were, on any identity. One ending in `/` stands for every resource it begins (`folders/`).
   */
  unreadFactResources?: string[];
  /**
   * Whether the input may name identities it does not hold (facts with `about`), even when this one
   * names none: a complete scan then also removes the facts it attached before.
   */
  namesOthers?: boolean;
  leaks: DiscoveredLeak[];
  warnings: ScanWarning[];
  /**
   * What the input held, in its own terms (Kubernetes objects, report rows, files): a scan reports
   * the items it read, which are not its identities (bindings and roles of a cluster are no identity).
   */
  read?: ItemsRead;
}

/** How many items of the input were read, and what they are (plural, e.g. `Kubernetes objects`). */
export interface ItemsRead {
  count: number;
  unit: string;
}

export function emptyOutput(): ConnectorOutput {
  return { nhis: [], looseFacts: [], leaks: [], warnings: [] };
}

/**
 * An output whose identities are made as they are taken, so a scan writes its first batches while the
 * rest are still being made (on two cores, reading and the database's writing overlap). `output.nhis`
 * stays empty; `output.warnings` is complete once `identities` has been taken to its end; the rest of
 * `output` is complete from the start.
 */
export interface IdentityStream {
  output: ConnectorOutput;
  /** How many identities at most: an item that cannot be read becomes a warning instead. */
  expected: number;
  /** Taken once. */
  identities: Iterable<DiscoveredNhi>;
}

/** A whole output as a stream: its identities are all made already. */
export function streamOf(output: ConnectorOutput): IdentityStream {
  return { output: { ...output, nhis: [] }, expected: output.nhis.length, identities: output.nhis };
}

/** The whole output of a stream, its identities all taken. */
export function wholeOutput(stream: IdentityStream): ConnectorOutput {
  for (const nhi of stream.identities) stream.output.nhis.push(nhi);
  return stream.output;
}

/** The input of a scan that is not the connector's format at all: the scan fails with this message. */
export class UnreadableInputError extends Error {}

/** A JSON input document, or UnreadableInputError naming `what` it should have been (`The GitLab export`). */
export function parseJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UnreadableInputError(`${what} is not JSON: ${(error as Error).message}`);
  }
}
