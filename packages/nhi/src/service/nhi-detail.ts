import type {
  credentialKinds,
  credentialStatuses,
  NhiPermission,
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiStatuses,
} from '../api/nhi.schema.ts';
import type { JsonValue } from './nhi-change-log.ts';

export type NhiKind = (typeof nhiKinds)[number];
export type NhiProvider = (typeof nhiProviders)[number];
export type NhiEnvironment = (typeof nhiEnvironments)[number];
export type NhiStatus = (typeof nhiStatuses)[number];
export type CredentialKind = (typeof credentialKinds)[number];
export type CredentialStatus = (typeof credentialStatuses)[number];

/** A member of the realm who answers for an identity. */
export interface NhiOwner {
  id: string;
  email: string;
}

/** A credential as anyone may see it: its fingerprint and hint, never the secret. */
export interface NhiCredential {
  id: string;
  kind: CredentialKind;
  /** HMAC-SHA256 of the secret under the instance key: recognises the secret without revealing it. */
  fingerprint: string | null;
  hint: string | null;
  status: CredentialStatus;
  providerCreatedAt: Date | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One identity with everything its detail page shows. */
export interface NhiDetail {
  id: string;
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  description: string | null;
  /** null: nobody answers for it ("unowned"). */
  owner: NhiOwner | null;
  /** The group answering for it, beside or instead of a person. */
  ownerGroup: { id: string; name: string } | null;
  environment: NhiEnvironment;
  status: NhiStatus;
  tags: string[];
  permissions: NhiPermission[];
  metadata: { [key: string]: JsonValue };
  /** manual, import, or the scan that produced it. */
  sourceType: string;
  sourceRef: string | null;
  providerCreatedAt: Date | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastUsedAt: Date | null;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
  activeCredentialCount: number;
  /** Send it back with an update: a newer version on the server means someone else changed it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  /** Newest first. */
  credentials: NhiCredential[];
}

/** One entry of an identity's version history. */
export interface NhiVersionEntry {
  version: number;
  changes: NhiFieldChanges;
  actor: { type: 'user' | 'token' | 'system'; id: string | null };
  requestId: string | null;
  createdAt: Date;
}

/** Field name -> its value before and after a change (dates as ISO strings). */
export type NhiFieldChanges = Record<string, { before: JsonValue; after: JsonValue }>;

/** An audit row about an identity or one of its credentials. */
export interface NhiAuditEntry {
  id: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: { type: 'user' | 'token' | 'system'; id: string | null };
  before: JsonValue;
  after: JsonValue;
  requestId: string | null;
  createdAt: Date;
}
