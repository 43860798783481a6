import type { RealmTx } from '@nhi/platform';
import type { JsonValue } from '../service/nhi-change-log.ts';
import type {
  CredentialKind,
  CredentialStatus,
  NhiEnvironment,
  NhiKind,
  NhiProvider,
  NhiStatus,
} from '../service/nhi-detail.ts';
import { jsonText } from './json-text.ts';

// The statements of a source's sync. Each batch travels as one JSON parameter: both drivers pass a
// text parameter the same way, and a batch of thousands binds one value instead of tens of thousands.

/** An identity as the sync reads it before changing it: its versioned fields, enums as text. */
export interface ExistingRow {
  id: string;
  version: number;
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  description: string | null;
  ownerUserId: string | null;
  ownerGroupId: string | null;
  environment: NhiEnvironment;
  status: NhiStatus;
  tags: string[];
  permissions: JsonValue;
  metadata: JsonValue;
  sourceType: string;
  sourceRef: string | null;
  providerCreatedAt: Date | null;
  lastUsedAt: Date | null;
  deletedAt: Date | null;
}

/** The columns of an identity a source writes, dates as ISO strings. */
export interface SourcedNhiRecord {
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  description: string | null;
  environment: NhiEnvironment;
  status: NhiStatus;
  permissions: JsonValue;
  metadata: JsonValue;
  sourceType: string;
  sourceRef: string | null;
  providerCreatedAt: string | null;
  lastUsedAt: string | null;
}

/** A new identity's credential columns, from the credentials its source reports. */
export interface CredentialSummaryRecord {
  oldest: string | null;
  nextExpiry: string | null;
  active: number;
}

/** A credential as the sync compares it with what the source reports. */
export interface CredentialRow {
  id: string;
  nhiId: string;
  hint: string | null;
  kind: string;
  fingerprint: string | null;
  providerCreatedAt: Date | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: string;
}

/** The columns of a credential a source writes, dates as ISO strings; the hint is its key. */
export interface SourcedCredentialRecord {
  nhiId: string;
  hint: string;
  kind: CredentialKind;
  fingerprint: string | null;
  providerCreatedAt: string | null;
  lastRotatedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  status: CredentialStatus;
}

/** The records with their documents as strings (see jsonText). */
function withDocumentsAsText<T extends { permissions: JsonValue; metadata: JsonValue }>(
  records: readonly T[],
) {
  return records.map((record) => ({
    ...record,
    permissions: jsonText(record.permissions),
    metadata: jsonText(record.metadata),
  }));
}

/** The identities of the realm with these provider + externalId keys, deleted or not, locked for the sync. */
export function lockNhisByKey(
  tx: RealmTx,
  realmId: string,
  items: readonly { provider: string; externalId: string }[],
): Promise<ExistingRow[]> {
  const keys = JSON.stringify(items.map((item) => [item.provider, item.externalId]));
  return tx.$queryRaw<ExistingRow[]>`
    SELECT n.id, n.version, n.kind::text AS kind, n.provider::text AS provider, n."externalId", n.name,
      n.description, n."ownerUserId", n."ownerGroupId", n.environment::text AS environment, n.status::text AS status, n.tags,
      n.permissions, n.metadata, n."sourceType", n."sourceRef", n."providerCreatedAt", n."lastUsedAt",
      n."deletedAt"
    FROM "Nhi" AS n
    JOIN (SELECT e->>0 AS provider, e->>1 AS external_id FROM jsonb_array_elements(${keys}::jsonb) AS e) AS k
      ON n."realmId" = ${realmId} AND n.provider = k.provider::"NhiProvider" AND n."externalId" = k.external_id
    FOR UPDATE OF n`;
}

/** Inserts new identities first seen now; answers each one's id by its key. */
export function insertSourcedNhis(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  records: readonly (SourcedNhiRecord & CredentialSummaryRecord)[],
): Promise<{ id: string; provider: string; externalId: string }[]> {
  const data = JSON.stringify(withDocumentsAsText(records));
  return tx.$queryRaw<{ id: string; provider: string; externalId: string }[]>`
      INSERT INTO "Nhi" (id, "realmId", kind, provider, "externalId", name, description, environment, status,
        permissions, metadata, "sourceType", "sourceRef", "providerCreatedAt", "lastUsedAt", "firstSeenAt",
        "lastSeenAt", "updatedAt", "oldestActiveCredentialAt", "nextCredentialExpiresAt", "activeCredentialCount")
      SELECT gen_random_uuid()::text, ${realmId}, r.kind::"NhiKind", r.provider::"NhiProvider", r."externalId",
        r.name, r.description, r.environment::"NhiEnvironment", r.status::"NhiStatus", r.permissions::jsonb,
        r.metadata::jsonb, r."sourceType", r."sourceRef", r."providerCreatedAt", r."lastUsedAt", ${seenAt}, ${seenAt},
        ${seenAt}, r.oldest, r."nextExpiry", r.active
      FROM jsonb_to_recordset(${data}::jsonb) AS r(kind text, provider text, "externalId" text, name text,
        description text, environment text, status text, permissions text, metadata text, "sourceType" text,
        "sourceRef" text, "providerCreatedAt" timestamp(3), "lastUsedAt" timestamp(3), oldest timestamp(3),
        "nextExpiry" timestamp(3), active int)
      RETURNING id, provider::text AS provider, "externalId"`;
}

/** Writes what the source reports over existing identities, seen now, each one version up. */
export async function updateSourcedNhis(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  records: readonly (SourcedNhiRecord & { id: string })[],
): Promise<void> {
  const data = JSON.stringify(withDocumentsAsText(records));
  await tx.$executeRaw`
      UPDATE "Nhi" AS n SET kind = r.kind::"NhiKind", name = r.name, description = r.description,
        environment = r.environment::"NhiEnvironment", status = r.status::"NhiStatus",
        permissions = r.permissions::jsonb, metadata = r.metadata::jsonb, "providerCreatedAt" = r."providerCreatedAt",
        "lastUsedAt" = r."lastUsedAt", "lastSeenAt" = ${seenAt}, "updatedAt" = ${seenAt},
        version = n.version + 1
      FROM jsonb_to_recordset(${data}::jsonb) AS r(id text, kind text, name text, description text,
        environment text, status text, permissions text, metadata text, "providerCreatedAt" timestamp(3),
        "lastUsedAt" timestamp(3))
      WHERE n."realmId" = ${realmId} AND n.id = r.id`;
}

/** Inserts credentials a source reports for the first time. */
export async function insertSourcedCredentials(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  records: readonly SourcedCredentialRecord[],
): Promise<void> {
  const data = JSON.stringify(records);
  await tx.$executeRaw`
      INSERT INTO "Credential" (id, "realmId", "nhiId", kind, fingerprint, hint, "providerCreatedAt",
        "lastRotatedAt", "expiresAt", "lastUsedAt", status, "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${realmId}, r."nhiId", r.kind::"CredentialKind", r.fingerprint, r.hint,
        r."providerCreatedAt", r."lastRotatedAt", r."expiresAt", r."lastUsedAt", r.status::"CredentialStatus",
        ${seenAt}, ${seenAt}
      FROM jsonb_to_recordset(${data}::jsonb) AS r("nhiId" text, kind text, fingerprint text, hint text,
        "providerCreatedAt" timestamp(3), "lastRotatedAt" timestamp(3), "expiresAt" timestamp(3),
        "lastUsedAt" timestamp(3), status text)`;
}

/** Writes what the source now reports over credentials it reported before. */
export async function updateSourcedCredentials(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  records: readonly (SourcedCredentialRecord & { id: string })[],
): Promise<void> {
  const data = JSON.stringify(records);
  await tx.$executeRaw`
      UPDATE "Credential" AS c SET kind = r.kind::"CredentialKind", fingerprint = r.fingerprint,
        "providerCreatedAt" = r."providerCreatedAt", "lastRotatedAt" = r."lastRotatedAt",
        "expiresAt" = r."expiresAt", "lastUsedAt" = r."lastUsedAt", status = r.status::"CredentialStatus",
        "updatedAt" = ${seenAt}
      FROM jsonb_to_recordset(${data}::jsonb) AS r(id text, kind text, fingerprint text,
        "providerCreatedAt" timestamp(3), "lastRotatedAt" timestamp(3), "expiresAt" timestamp(3),
        "lastUsedAt" timestamp(3), status text)
      WHERE c."realmId" = ${realmId} AND c.id = r.id`;
}

/** Revokes credentials their source no longer reports. */
export async function revokeCredentials(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  credentialIds: readonly string[],
): Promise<void> {
  const ids = JSON.stringify(credentialIds);
  await tx.$executeRaw`
      UPDATE "Credential" SET status = 'revoked', "updatedAt" = ${seenAt}
      WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))`;
}

/**
 * Each identity's credentials through the (realm, identity) index, whatever the planner knows of the
 * table (OFFSET 0 keeps the lookup per identity instead of a join the planner may turn into a scan).
 */
export function credentialsOf(
  tx: RealmTx,
  realmId: string,
  nhiIds: readonly string[],
): Promise<CredentialRow[]> {
  const ids = JSON.stringify(nhiIds);
  return tx.$queryRaw<CredentialRow[]>`
    SELECT c.id, c."nhiId", c.hint, c.kind::text AS kind, c.fingerprint, c."providerCreatedAt", c."lastRotatedAt",
      c."expiresAt", c."lastUsedAt", c.status::text AS status
    FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT * FROM "Credential" AS x WHERE x."realmId" = ${realmId} AND x."nhiId" = target.id OFFSET 0
    ) AS c`;
}

/** Of these identities, the live ones not yet missing from their source, locked to be marked so. */
export function lockNhisToMarkMissing(
  tx: RealmTx,
  realmId: string,
  nhiIds: readonly string[],
): Promise<ExistingRow[]> {
  const ids = JSON.stringify(nhiIds);
  return tx.$queryRaw<ExistingRow[]>`
    SELECT id, version, kind::text AS kind, provider::text AS provider, "externalId", name, description,
      "ownerUserId", "ownerGroupId", environment::text AS environment, status::text AS status, tags,
      permissions, metadata, "sourceType", "sourceRef", "providerCreatedAt", "lastUsedAt", "deletedAt"
    FROM "Nhi"
    WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
      AND "deletedAt" IS NULL
      AND status <> 'missing_from_source'
    FOR UPDATE`;
}

/** Marks identities missing from their source, each one version up. */
export async function markNhisMissing(
  tx: RealmTx,
  realmId: string,
  seenAt: Date,
  nhiIds: readonly string[],
): Promise<void> {
  const changed = JSON.stringify(nhiIds);
  await tx.$executeRaw`
    UPDATE "Nhi" SET status = 'missing_from_source', version = version + 1, "updatedAt" = ${seenAt}
    WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${changed}::jsonb))`;
}
