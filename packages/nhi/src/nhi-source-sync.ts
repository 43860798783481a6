import { actorOf, publishDomainEvent, type RealmTx, type RequestContext } from '@nhi/platform';
import {
  diffSnapshots,
  type JsonDocument,
  type JsonValue,
  keptVersionsPerNhi,
  type NhiSnapshot,
} from './nhi-change-log.ts';
import { refreshCredentialSummary } from './nhi-credential-summary.ts';
import type {
  CredentialKind,
  CredentialStatus,
  NhiEnvironment,
  NhiFieldChanges,
  NhiKind,
  NhiProvider,
  NhiStatus,
} from './nhi-detail.ts';

/** A credential as a source reports it: known by a key stable within its identity, never by its secret. */
export interface SourcedCredential {
  /** Stable within the identity (e.g. `access_key_1`, a key id); kept as the credential's hint. */
  key: string;
  kind: CredentialKind;
  fingerprint?: string | null;
  providerCreatedAt?: Date | null;
  lastRotatedAt?: Date | null;
  expiresAt?: Date | null;
  lastUsedAt?: Date | null;
  status: CredentialStatus;
}

/** An identity as a source reports it. Undefined fields are not the source's to set. */
export interface SourcedNhi {
  provider: NhiProvider;
  externalId: string;
  kind: NhiKind;
  /** The kind applies to a new identity only: another input of the source knows it better. */
  keepExistingKind?: boolean;
  name: string;
  description?: string | null;
  environment?: NhiEnvironment;
  status?: Extract<NhiStatus, 'active' | 'disabled'>;
  permissions?: JsonDocument;
  /** Merged key by key into the stored metadata, so two inputs of one source keep their parts. */
  metadata?: Record<string, JsonValue>;
  providerCreatedAt?: Date | null;
  lastUsedAt?: Date | null;
  /** Undefined: this input does not report credentials; otherwise the complete set. */
  credentials?: SourcedCredential[];
}

export interface SourceSyncContext {
  context: Pick<RequestContext, 'realm' | 'principal' | 'requestId'>;
  /** Recorded on created identities: e.g. `scan:aws_iam`. */
  sourceType: string;
  /** The source's id. */
  sourceRef: string;
  seenAt: Date;
}

export interface SourceSyncResult {
  /** Per input item, in order: the identity's id and what happened to it. */
  items: { nhiId: string; outcome: 'created' | 'updated' | 'unchanged' | 'deleted' }[];
}

interface ExistingRow {
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

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);

function snapshot(row: Omit<ExistingRow, 'id' | 'version'>): NhiSnapshot {
  return {
    kind: row.kind,
    provider: row.provider,
    externalId: row.externalId,
    name: row.name,
    description: row.description,
    ownerUserId: row.ownerUserId,
    ownerGroupId: row.ownerGroupId,
    environment: row.environment,
    status: row.status,
    tags: row.tags,
    permissions: JSON.parse(JSON.stringify(row.permissions ?? [])) as JsonValue,
    metadata: JSON.parse(JSON.stringify(row.metadata ?? {})) as JsonValue,
    sourceType: row.sourceType,
    sourceRef: row.sourceRef,
    providerCreatedAt: iso(row.providerCreatedAt),
    lastUsedAt: iso(row.lastUsedAt),
    deletedAt: iso(row.deletedAt),
  };
}

function merged(existing: ExistingRow | undefined, item: SourcedNhi, sync: SourceSyncContext) {
  const metadata = {
    ...((existing?.metadata as Record<string, JsonValue> | undefined) ?? {}),
    ...(item.metadata ?? {}),
  };
  const status: NhiStatus =
    existing && existing.status !== 'missing_from_source' && item.status === undefined
      ? existing.status
      : (item.status ?? 'active');
  return {
    kind: existing && item.keepExistingKind ? existing.kind : item.kind,
    provider: item.provider,
    externalId: item.externalId,
    name: item.name,
    description: item.description !== undefined ? item.description : (existing?.description ?? null),
    ownerUserId: existing?.ownerUserId ?? null,
    ownerGroupId: existing?.ownerGroupId ?? null,
    environment:
      existing && existing.environment !== 'unknown' ? existing.environment : (item.environment ?? 'unknown'),
    status,
    tags: existing?.tags ?? [],
    permissions: (item.permissions ?? existing?.permissions ?? []) as JsonValue,
    metadata: metadata as JsonValue,
    sourceType: existing?.sourceType ?? sync.sourceType,
    sourceRef: existing?.sourceRef ?? sync.sourceRef,
    providerCreatedAt:
      item.providerCreatedAt !== undefined ? item.providerCreatedAt : (existing?.providerCreatedAt ?? null),
    lastUsedAt: item.lastUsedAt !== undefined ? item.lastUsedAt : (existing?.lastUsedAt ?? null),
    deletedAt: existing?.deletedAt ?? null,
  };
}

/**
 * Brings a batch of identities reported by a discovery source into the inventory, keyed by
 * provider + externalId, in a handful of set-based statements: new identities are inserted, changed
 * ones updated with a version row each, unchanged ones not written, and identities that were
 * missing from their source are active again. What people set (owner, tags, a chosen environment)
 * is kept. A soft-deleted identity stays deleted. One audit row records the batch.
 */
export async function syncSourcedNhis(
  tx: RealmTx,
  sync: SourceSyncContext,
  items: readonly SourcedNhi[],
): Promise<SourceSyncResult> {
  if (items.length === 0) return { items: [] };
  const realmId = sync.context.realm.id;
  const keys = JSON.stringify(items.map((item) => [item.provider, item.externalId]));
  const rows = await tx.$queryRaw<ExistingRow[]>`
    SELECT n.id, n.version, n.kind::text AS kind, n.provider::text AS provider, n."externalId", n.name,
      n.description, n."ownerUserId", n."ownerGroupId", n.environment::text AS environment, n.status::text AS status, n.tags,
      n.permissions, n.metadata, n."sourceType", n."sourceRef", n."providerCreatedAt", n."lastUsedAt",
      n."deletedAt"
    FROM "Nhi" AS n
    JOIN (SELECT e->>0 AS provider, e->>1 AS external_id FROM jsonb_array_elements(${keys}::jsonb) AS e) AS k
      ON n."realmId" = ${realmId} AND n.provider = k.provider::"NhiProvider" AND n."externalId" = k.external_id
    FOR UPDATE OF n`;
  const byKey = new Map(rows.map((row) => [`${row.provider}\u0000${row.externalId}`, row]));

  const creates: { index: number; after: ReturnType<typeof merged> }[] = [];
  const updates: {
    index: number;
    row: ExistingRow;
    after: ReturnType<typeof merged>;
    snapshot: NhiSnapshot;
    changes: NhiFieldChanges;
  }[] = [];
  const outcomes: SourceSyncResult['items'] = new Array(items.length);
  items.forEach((item, index) => {
    const existing = byKey.get(`${item.provider}\u0000${item.externalId}`);
    const after = merged(existing, item, sync);
    if (!existing) {
      creates.push({ index, after });
      return;
    }
    if (existing.deletedAt) {
      outcomes[index] = { nhiId: existing.id, outcome: 'deleted' };
      return;
    }
    const afterSnapshot = snapshot(after);
    const changes = diffSnapshots(snapshot(existing), afterSnapshot);
    if (Object.keys(changes).length > 0)
      updates.push({ index, row: existing, after, snapshot: afterSnapshot, changes });
    else outcomes[index] = { nhiId: existing.id, outcome: 'unchanged' };
  });

  if (creates.length > 0) {
    const data = JSON.stringify(
      creates.map(({ index, after }) => ({
        ...recordOf(after),
        ...summaryOf(items[index] as SourcedNhi, sync.seenAt),
      })),
    );
    const created = await tx.$queryRaw<{ id: string; provider: string; externalId: string }[]>`
      INSERT INTO "Nhi" (id, "realmId", kind, provider, "externalId", name, description, environment, status,
        permissions, metadata, "sourceType", "sourceRef", "providerCreatedAt", "lastUsedAt", "firstSeenAt",
        "lastSeenAt", "updatedAt", "oldestActiveCredentialAt", "nextCredentialExpiresAt", "activeCredentialCount")
      SELECT gen_random_uuid()::text, ${realmId}, r.kind::"NhiKind", r.provider::"NhiProvider", r."externalId",
        r.name, r.description, r.environment::"NhiEnvironment", r.status::"NhiStatus", r.permissions, r.metadata,
        r."sourceType", r."sourceRef", r."providerCreatedAt", r."lastUsedAt", ${sync.seenAt}, ${sync.seenAt},
        ${sync.seenAt}, r.oldest, r."nextExpiry", r.active
      FROM jsonb_to_recordset(${data}::jsonb) AS r(kind text, provider text, "externalId" text, name text,
        description text, environment text, status text, permissions jsonb, metadata jsonb, "sourceType" text,
        "sourceRef" text, "providerCreatedAt" timestamp(3), "lastUsedAt" timestamp(3), oldest timestamp(3),
        "nextExpiry" timestamp(3), active int)
      RETURNING id, provider::text AS provider, "externalId"`;
    const ids = new Map(created.map((row) => [`${row.provider}\u0000${row.externalId}`, row.id]));
    for (const { index } of creates) {
      const item = items[index] as SourcedNhi;
      outcomes[index] = {
        nhiId: ids.get(`${item.provider}\u0000${item.externalId}`) as string,
        outcome: 'created',
      };
    }
  }

  if (updates.length > 0) {
    const data = JSON.stringify(updates.map(({ row, after }) => ({ id: row.id, ...recordOf(after) })));
    await tx.$executeRaw`
      UPDATE "Nhi" AS n SET kind = r.kind::"NhiKind", name = r.name, description = r.description,
        environment = r.environment::"NhiEnvironment", status = r.status::"NhiStatus",
        permissions = r.permissions, metadata = r.metadata, "providerCreatedAt" = r."providerCreatedAt",
        "lastUsedAt" = r."lastUsedAt", "lastSeenAt" = ${sync.seenAt}, "updatedAt" = ${sync.seenAt},
        version = n.version + 1
      FROM jsonb_to_recordset(${data}::jsonb) AS r(id text, kind text, name text, description text,
        environment text, status text, permissions jsonb, metadata jsonb, "providerCreatedAt" timestamp(3),
        "lastUsedAt" timestamp(3))
      WHERE n."realmId" = ${realmId} AND n.id = r.id`;
    await writeVersions(
      tx,
      sync,
      updates.map(({ row, snapshot: after, changes }) => ({
        nhiId: row.id,
        version: row.version + 1,
        snapshot: after,
        changes,
      })),
    );
    for (const { index, row } of updates) outcomes[index] = { nhiId: row.id, outcome: 'updated' };
  }

  const credentialChanged = await syncCredentials(tx, sync, items, outcomes);
  for (const index of credentialChanged) {
    const outcome = outcomes[index];
    if (outcome?.outcome === 'unchanged') outcome.outcome = 'updated';
  }
  const created = outcomes.filter((o) => o.outcome === 'created').map((o) => o.nhiId);
  const updated = outcomes.filter((o) => o.outcome === 'updated').map((o) => o.nhiId);
  await writeBatchAudit(tx, sync, 'nhi.source_sync', { created, updated });
  if (created.length + updated.length > 0)
    await publishDomainEvent(tx, 'nhi.changed', [...created, ...updated]);
  return { items: outcomes };
}

/** The credential columns of a new identity, from the credentials its source reports. */
function summaryOf(item: SourcedNhi, seenAt: Date) {
  const active = (item.credentials ?? []).filter((credential) => credential.status === 'active');
  const times = (dates: (Date | null | undefined)[]) =>
    dates.filter((date): date is Date => date instanceof Date).map((date) => date.getTime());
  const ages = times(active.map((c) => c.lastRotatedAt ?? c.providerCreatedAt ?? seenAt));
  const expiries = times(active.map((c) => c.expiresAt));
  return {
    oldest: ages.length > 0 ? new Date(Math.min(...ages)).toISOString() : null,
    nextExpiry: expiries.length > 0 ? new Date(Math.min(...expiries)).toISOString() : null,
    active: active.length,
  };
}

function recordOf(after: ReturnType<typeof merged>) {
  return {
    kind: after.kind,
    provider: after.provider,
    externalId: after.externalId,
    name: after.name,
    description: after.description,
    environment: after.environment,
    status: after.status,
    permissions: after.permissions,
    metadata: after.metadata,
    sourceType: after.sourceType,
    sourceRef: after.sourceRef,
    providerCreatedAt: iso(after.providerCreatedAt),
    lastUsedAt: iso(after.lastUsedAt),
  };
}

interface CredentialRow {
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

function credentialRecord(nhiId: string, credential: SourcedCredential) {
  return {
    nhiId,
    hint: credential.key,
    kind: credential.kind,
    fingerprint: credential.fingerprint ?? null,
    providerCreatedAt: iso(credential.providerCreatedAt),
    lastRotatedAt: iso(credential.lastRotatedAt),
    expiresAt: iso(credential.expiresAt),
    lastUsedAt: iso(credential.lastUsedAt),
    status: credential.status,
  };
}

function sameCredential(row: CredentialRow, record: ReturnType<typeof credentialRecord>): boolean {
  return (
    row.kind === record.kind &&
    row.fingerprint === record.fingerprint &&
    iso(row.providerCreatedAt) === record.providerCreatedAt &&
    iso(row.lastRotatedAt) === record.lastRotatedAt &&
    iso(row.expiresAt) === record.expiresAt &&
    iso(row.lastUsedAt) === record.lastUsedAt &&
    row.status === record.status
  );
}

/** Credentials are matched by hint within their identity; those no longer reported are revoked. */
async function syncCredentials(
  tx: RealmTx,
  sync: SourceSyncContext,
  items: readonly SourcedNhi[],
  outcomes: SourceSyncResult['items'],
): Promise<number[]> {
  const reporting = items
    .map((item, index) => ({ item, index, outcome: outcomes[index] }))
    .filter(
      ({ item, outcome }) => item.credentials !== undefined && outcome && outcome.outcome !== 'deleted',
    );
  if (reporting.length === 0) return [];
  // Identities created in this batch have no credentials yet, and got their summary with the insert.
  const created = new Set(outcomes.filter((o) => o?.outcome === 'created').map((o) => o.nhiId));
  const known = reporting.map(({ outcome }) => outcome?.nhiId as string).filter((id) => !created.has(id));
  const existing = known.length === 0 ? [] : await credentialsOf(tx, sync.context.realm.id, known);
  const byNhi = new Map<string, Map<string, CredentialRow>>();
  for (const row of existing) {
    const forNhi = byNhi.get(row.nhiId) ?? new Map<string, CredentialRow>();
    forNhi.set(row.hint ?? row.id, row);
    byNhi.set(row.nhiId, forNhi);
  }
  const inserts: ReturnType<typeof credentialRecord>[] = [];
  const updates: (ReturnType<typeof credentialRecord> & { id: string })[] = [];
  const revokes: string[] = [];
  const changedIndexes = new Set<number>();
  const touched = new Set<string>();
  for (const { item, index, outcome } of reporting) {
    const nhiId = outcome?.nhiId as string;
    const current = byNhi.get(nhiId) ?? new Map<string, CredentialRow>();
    const reported = new Set<string>();
    for (const credential of item.credentials ?? []) {
      reported.add(credential.key);
      const record = credentialRecord(nhiId, credential);
      const row = current.get(credential.key);
      if (!row) inserts.push(record);
      else if (!sameCredential(row, record)) updates.push({ id: row.id, ...record });
      else continue;
      changedIndexes.add(index);
      touched.add(nhiId);
    }
    for (const [key, row] of current) {
      if (reported.has(key) || row.status === 'revoked') continue;
      revokes.push(row.id);
      changedIndexes.add(index);
      touched.add(nhiId);
    }
  }
  const realmId = sync.context.realm.id;
  if (inserts.length > 0) {
    const data = JSON.stringify(inserts);
    await tx.$executeRaw`
      INSERT INTO "Credential" (id, "realmId", "nhiId", kind, fingerprint, hint, "providerCreatedAt",
        "lastRotatedAt", "expiresAt", "lastUsedAt", status, "createdAt", "updatedAt")
      SELECT gen_random_uuid()::text, ${realmId}, r."nhiId", r.kind::"CredentialKind", r.fingerprint, r.hint,
        r."providerCreatedAt", r."lastRotatedAt", r."expiresAt", r."lastUsedAt", r.status::"CredentialStatus",
        ${sync.seenAt}, ${sync.seenAt}
      FROM jsonb_to_recordset(${data}::jsonb) AS r("nhiId" text, kind text, fingerprint text, hint text,
        "providerCreatedAt" timestamp(3), "lastRotatedAt" timestamp(3), "expiresAt" timestamp(3),
        "lastUsedAt" timestamp(3), status text)`;
  }
  if (updates.length > 0) {
    const data = JSON.stringify(updates);
    await tx.$executeRaw`
      UPDATE "Credential" AS c SET kind = r.kind::"CredentialKind", fingerprint = r.fingerprint,
        "providerCreatedAt" = r."providerCreatedAt", "lastRotatedAt" = r."lastRotatedAt",
        "expiresAt" = r."expiresAt", "lastUsedAt" = r."lastUsedAt", status = r.status::"CredentialStatus",
        "updatedAt" = ${sync.seenAt}
      FROM jsonb_to_recordset(${data}::jsonb) AS r(id text, kind text, fingerprint text,
        "providerCreatedAt" timestamp(3), "lastRotatedAt" timestamp(3), "expiresAt" timestamp(3),
        "lastUsedAt" timestamp(3), status text)
      WHERE c."realmId" = ${realmId} AND c.id = r.id`;
  }
  if (revokes.length > 0) {
    const ids = JSON.stringify(revokes);
    await tx.$executeRaw`
      UPDATE "Credential" SET status = 'revoked', "updatedAt" = ${sync.seenAt}
      WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))`;
  }
  const refreshed = [...touched].filter((id) => !created.has(id));
  await refreshCredentialSummary(tx, refreshed);
  return [...changedIndexes];
}

/**
 * Each identity's credentials through the (realm, identity) index, whatever the planner knows of the
 * table (OFFSET 0 keeps the lookup per identity instead of a join the planner may turn into a scan).
 */
function credentialsOf(tx: RealmTx, realmId: string, nhiIds: string[]) {
  const ids = JSON.stringify(nhiIds);
  return tx.$queryRaw<CredentialRow[]>`
    SELECT c.id, c."nhiId", c.hint, c.kind::text AS kind, c.fingerprint, c."providerCreatedAt", c."lastRotatedAt",
      c."expiresAt", c."lastUsedAt", c.status::text AS status
    FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT * FROM "Credential" AS x WHERE x."realmId" = ${realmId} AND x."nhiId" = target.id OFFSET 0
    ) AS c`;
}

/**
 * Marks identities a complete scan of their source no longer reports as missing_from_source (never
 * deletes them), with a version row each and one audit row. Returns the ids whose status changed.
 */
export async function markSourcedNhisMissing(
  tx: RealmTx,
  sync: SourceSyncContext,
  nhiIds: readonly string[],
): Promise<string[]> {
  if (nhiIds.length === 0) return [];
  const realmId = sync.context.realm.id;
  const ids = JSON.stringify(nhiIds);
  const rows = await tx.$queryRaw<ExistingRow[]>`
    SELECT id, version, kind::text AS kind, provider::text AS provider, "externalId", name, description,
      "ownerUserId", "ownerGroupId", environment::text AS environment, status::text AS status, tags,
      permissions, metadata, "sourceType", "sourceRef", "providerCreatedAt", "lastUsedAt", "deletedAt"
    FROM "Nhi"
    WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
      AND "deletedAt" IS NULL
      AND status <> 'missing_from_source'
    FOR UPDATE`;
  if (rows.length === 0) return [];
  const changed = JSON.stringify(rows.map((row) => row.id));
  await tx.$executeRaw`
    UPDATE "Nhi" SET status = 'missing_from_source', version = version + 1, "updatedAt" = ${sync.seenAt}
    WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${changed}::jsonb))`;
  await writeVersions(
    tx,
    sync,
    rows.map((row) => {
      const after = snapshot({ ...row, status: 'missing_from_source' });
      return {
        nhiId: row.id,
        version: row.version + 1,
        snapshot: after,
        changes: diffSnapshots(snapshot(row), after),
      };
    }),
  );
  await writeBatchAudit(tx, sync, 'nhi.source_missing', { missing: rows.map((row) => row.id) });
  await publishDomainEvent(
    tx,
    'nhi.changed',
    rows.map((row) => row.id),
  );
  return rows.map((row) => row.id);
}

async function writeVersions(
  tx: RealmTx,
  sync: SourceSyncContext,
  /** Each identity's snapshot after the change and the fields that changed, as already compared. */
  changes: { nhiId: string; version: number; snapshot: NhiSnapshot; changes: NhiFieldChanges }[],
) {
  const actor = actorOf(sync.context.principal);
  const rows = JSON.stringify(changes);
  // One statement from a JSON parameter: a createMany of thousands of rows binds tens of thousands of parameters.
  await tx.$executeRaw`
    INSERT INTO "NhiVersion" (id, "realmId", "nhiId", version, snapshot, changes, "actorType", "actorId", "requestId",
      "createdAt")
    SELECT gen_random_uuid()::text, ${sync.context.realm.id}, r."nhiId", r.version, r.snapshot, r.changes,
      ${actor.actorType}::"ActorType", ${actor.actorId}, ${sync.context.requestId}, ${sync.seenAt}
    FROM jsonb_to_recordset(${rows}::jsonb) AS r("nhiId" text, version int, snapshot jsonb, changes jsonb)`;
  // Only identities with more versions than are kept have any to prune: most scans prune nothing.
  const pruned = changes.filter((change) => change.version > keptVersionsPerNhi);
  if (pruned.length === 0) return;
  const kept = JSON.stringify(pruned.map((change) => [change.nhiId, change.version - keptVersionsPerNhi]));
  await tx.$executeRaw`
    DELETE FROM "NhiVersion" AS v
    USING (SELECT e->>0 AS nhi_id, (e->>1)::int AS below FROM jsonb_array_elements(${kept}::jsonb) AS e) AS p
    WHERE v."realmId" = ${sync.context.realm.id} AND v."nhiId" = p.nhi_id AND v.version <= p.below`;
}

/** One audit row per batch: a scan of 100k identities writes hundreds of rows, not 100k. */
async function writeBatchAudit(
  tx: RealmTx,
  sync: SourceSyncContext,
  action: string,
  ids: Record<string, string[]>,
) {
  if (Object.values(ids).every((list) => list.length === 0)) return;
  await tx.auditLog.create({
    data: {
      ...actorOf(sync.context.principal),
      action,
      entityType: 'Source',
      entityId: sync.sourceRef,
      after: { sourceType: sync.sourceType, ...ids },
      requestId: sync.context.requestId,
    },
    select: { id: true },
  });
}
