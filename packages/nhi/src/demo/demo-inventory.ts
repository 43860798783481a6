import type { NhiPermission } from '../api/nhi.schema.ts';
import type {
  CredentialKind,
  CredentialStatus,
  NhiEnvironment,
  NhiKind,
  NhiProvider,
  NhiStatus,
} from '../service/nhi-detail.ts';

/** A credential of the demo inventory. Its secret is generated noise that only looks real. */
export interface DemoCredential {
  kind: CredentialKind;
  /** Submitted once to the service for fingerprint and hint, like any secret; never stored. */
  secret: string;
  providerCreatedAt: Date;
  lastRotatedAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: CredentialStatus;
}

export interface DemoNhi {
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  description: string;
  environment: NhiEnvironment;
  status: NhiStatus;
  tags: string[];
  permissions: NhiPermission[];
  metadata: Record<string, unknown>;
  providerCreatedAt: Date;
  lastUsedAt: Date | null;
  /** One of the owners the inventory was generated for, or null: nobody answers for it. */
  ownerEmail: string | null;
  credentials: DemoCredential[];
}

export interface DemoInventoryOptions {
  /** Ages, expiries and last uses are set relative to this instant. */
  now: Date;
  /** Who may own an identity; about a quarter are left unowned whatever this holds. */
  ownerEmails: readonly string[];
  count?: number;
  seed?: number;
}
