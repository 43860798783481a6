import type { ScanInput, SourceType } from '../../../api/scanner.schema.ts';
import type { RemediationActionKey } from '../../api/remediation.schema.ts';

/** A credential of the identity as the inventory holds it: never a secret, the fingerprint at most. */
export interface SubjectCredential {
  id: string;
  kind: string;
  hint: string | null;
  fingerprint: string | null;
  status: string;
  providerCreatedAt: Date | null;
  lastUsedAt: Date | null;
}

/** What an action is decided on: the identity, its credentials and facts, and the source that acts. */
export interface RemediationSubject {
  nhi: {
    id: string;
    name: string;
    kind: string;
    provider: string;
    externalId: string;
    metadata: unknown;
    lastUsedAt: Date | null;
  };
  credentials: SubjectCredential[];
  facts: { kind: string; evidence: unknown }[];
}

/** The source's own settings and decrypted credentials, for one dry run or one run, then dropped. */
export interface ProviderAccess {
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  fingerprint(value: string): Promise<string>;
  signal: AbortSignal;
}

/** The acting source as offers see it: its settings and the names (never the values) of its secrets. */
export interface OfferingSource {
  settings: Record<string, unknown>;
  secretNames: string[];
}

/** What the requester chose beyond the identity and credential (the repository to remove). */
export interface ActionChoice {
  repository: string | null;
}

/** One action an identity offers; `available: false` with the reason when it cannot run. */
export interface ActionOffer {
  action: RemediationActionKey;
  label: string;
  credentialId: string | null;
  /** What it addresses, as the inventory shows it (`AKIA…WXYZ`, `console password`). */
  targetLabel: string;
  available: boolean;
  reason: string | null;
}

/** What a module's dry run found out; the service adds what the inventory knows of the identity. */
export interface ModuleDryRun {
  /** The provider's ids the action addresses: stored with the request, used by the run. */
  target: Record<string, string | number>;
  /** What will change, in one sentence. */
  summary: string;
  lastUse: { at: string | null; service: string | null; region: string | null } | null;
  /** The identity's other credentials at the provider, as labels with their state. */
  otherCredentials: string[];
  /** What may break. */
  risks: string[];
}

/** The provider's answer to the change: its request id and status, never a secret. */
export interface ProviderAnswer {
  requestId: string | null;
  httpStatus: number | null;
  result: string;
}

/** A provider's refusal, with its own error code: the action fails with it and changes nothing. */
export class ProviderRefusal extends Error {}

export interface RemediationActionModule {
  key: RemediationActionKey;
  label: string;
  /** The source type whose credentials act. */
  sourceType: SourceType;
  /** What the credential becomes in the inventory once done; null when the action is about none. */
  credentialStatus: 'inactive' | 'revoked' | null;
  /** The scan that shows the provider's new state, queued after a success. */
  rescanInput: ScanInput;
  /** Whether the requester names a repository (`repository`): refused for actions that take none. */
  takesRepository?: boolean;
  /** The offers for this identity: none when the action is not about such an identity. */
  offers(subject: RemediationSubject, source: OfferingSource): ActionOffer[];
  plan(
    subject: RemediationSubject,
    credential: SubjectCredential | null,
    access: ProviderAccess,
    choice: ActionChoice,
  ): Promise<ModuleDryRun>;
  run(target: Record<string, unknown>, access: ProviderAccess): Promise<ProviderAnswer>;
}

export const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);
export const day = (date: Date | string | null | undefined) =>
  date ? new Date(date).toISOString().slice(0, 10) : 'never';
