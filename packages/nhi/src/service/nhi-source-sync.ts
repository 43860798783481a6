import { actorOf, publishDomainEvent, type RealmTx, type RequestContext } from '@nhi/platform';
import { refreshCredentialSummary } from '../sql/nhi-credential-summary.sql.ts';
import {
  type CredentialRow,
  type CredentialSummaryRecord,
  credentialsOf,
  type ExistingRow,
  insertSourcedCredentials,
  insertSourcedNhis,
  lockNhisByKey,
  lockNhisToMarkMissing,
  markNhisMissing,
  revokeCredentials,
  type SourcedCredentialRecord,
  type SourcedNhiRecord,
  updateSourcedCredentials,
  updateSourcedNhis,
} from '../sql/nhi-source-sync.sql.ts';
import { insertNhiVersions, type NhiVersionRecord, pruneNhiVersions } from '../sql/nhi-versions.sql.ts';
import {
  diffSnapshots,
  type JsonDocument,
  type JsonValue,
  keptVersionsPerNhi,
  type NhiSnapshot,
} from './nhi-change-log.ts';
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
  items: {
    nhiId: string;
    outcome: 'created' | 'updated' | 'unchanged' | 'deleted';
    /** What an update changed: the identity's fields by name, and `credentials`. */
    fields?: string[];
  }[];
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
  const rows = await lockNhisByKey(tx, realmId, items);
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
    const created = await insertSourcedNhis(
      tx,
      realmId,
      sync.seenAt,
      creates.map(({ index, after }) => ({
        ...recordOf(after),
        ...summaryOf(items[index] as SourcedNhi, sync.seenAt),
      })),
    );
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
    await updateSourcedNhis(
      tx,
      realmId,
      sync.seenAt,
      updates.map(({ row, after }) => ({ id: row.id, ...recordOf(after) })),
    );
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
    for (const { index, row, changes } of updates)
      outcomes[index] = { nhiId: row.id, outcome: 'updated', fields: Object.keys(changes) };
  }

  const credentialChanged = await syncCredentials(tx, sync, items, outcomes);
  for (const index of credentialChanged) {
    const outcome = outcomes[index];
    if (!outcome) continue;
    if (outcome.outcome === 'unchanged') outcome.outcome = 'updated';
    if (outcome.outcome === 'updated') outcome.fields = [...(outcome.fields ?? []), 'credentials'];
  }
  const created = outcomes.filter((o) => o.outcome === 'created').map((o) => o.nhiId);
  const updated = outcomes.filter((o) => o.outcome === 'updated').map((o) => o.nhiId);
  await writeBatchAudit(tx, sync, 'nhi.source_sync', { created, updated });
  if (created.length + updated.length > 0)
    await publishDomainEvent(tx, 'nhi.changed', [...created, ...updated]);
  return { items: outcomes };
}

/** The credential columns of a new identity, from the credentials its source reports. */
function summaryOf(item: SourcedNhi, seenAt: Date): CredentialSummaryRecord {
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

function recordOf(after: ReturnType<typeof merged>): SourcedNhiRecord {
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

function credentialRecord(nhiId: string, credential: SourcedCredential): SourcedCredentialRecord {
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

function sameCredential(row: CredentialRow, record: SourcedCredentialRecord): boolean {
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
  const inserts: SourcedCredentialRecord[] = [];
  const updates: (SourcedCredentialRecord & { id: string })[] = [];
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
  if (inserts.length > 0) await insertSourcedCredentials(tx, realmId, sync.seenAt, inserts);
  if (updates.length > 0) await updateSourcedCredentials(tx, realmId, sync.seenAt, updates);
  if (revokes.length > 0) await revokeCredentials(tx, realmId, sync.seenAt, revokes);
  const refreshed = [...touched].filter((id) => !created.has(id));
  await refreshCredentialSummary(tx, refreshed);
  return [...changedIndexes];
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
  const rows = await lockNhisToMarkMissing(tx, realmId, nhiIds);
  if (rows.length === 0) return [];
  await markNhisMissing(
    tx,
    realmId,
    sync.seenAt,
    rows.map((row) => row.id),
  );
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
  changes: NhiVersionRecord[],
) {
  const realmId = sync.context.realm.id;
  const author = {
    actor: actorOf(sync.context.principal),
    requestId: sync.context.requestId,
    createdAt: sync.seenAt,
  };
  await insertNhiVersions(tx, realmId, author, changes);
  // Only identities with more versions than are kept have any to prune: most scans prune nothing.
  const pruned = changes.filter((change) => change.version > keptVersionsPerNhi);
  if (pruned.length === 0) return;
  await pruneNhiVersions(
    tx,
    realmId,
    pruned.map((change) => [change.nhiId, change.version - keptVersionsPerNhi]),
  );
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
