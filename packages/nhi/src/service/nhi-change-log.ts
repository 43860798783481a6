import {
  actorOf,
  publishDomainEvent,
  type RealmTx,
  type RequestContext,
  withCleanText,
  writeAuditEntry,
} from '@nhi/platform';
import { pruneNhiVersions } from '../sql/nhi-versions.sql.ts';
import type { NhiFieldChanges } from './nhi-detail.ts';

/** How many versions of each identity are kept. */
export const keptVersionsPerNhi = 10;

export type NhiChangeAction =
  | 'nhi.create'
  | 'nhi.update'
  | 'nhi.bulk_update'
  | 'nhi.import'
  | 'nhi.delete'
  | 'nhi.restore'
  | 'nhi.owner_suggestion.accept';

export type CredentialChangeAction =
  | 'nhi.credential.add'
  | 'nhi.credential.rotate'
  | 'nhi.credential.revoke'
  | 'nhi.credential.deactivate'
  | 'nhi.credential.import';

/**
 * The fields of an identity that people and imports change, as they are versioned. Observation
 * timestamps (firstSeenAt, lastSeenAt) are left out: a scan seeing an identity again is not an edit.
 */
export const nhiSnapshotSelect = {
  kind: true,
  provider: true,
  externalId: true,
  name: true,
  description: true,
  ownerUserId: true,
  ownerGroupId: true,
  environment: true,
  status: true,
  tags: true,
  permissions: true,
  metadata: true,
  sourceType: true,
  sourceRef: true,
  providerCreatedAt: true,
  lastUsedAt: true,
  deletedAt: true,
} as const;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** What a Json column takes: a top-level null would be SQL NULL, which these columns do not hold. */
export type JsonDocument = JsonValue[] | { [key: string]: JsonValue };

/** An identity's versioned fields as JSON: dates as ISO strings. */
export type NhiSnapshot = Record<keyof typeof nhiSnapshotSelect, JsonValue>;

type SnapshotRow = { [K in keyof typeof nhiSnapshotSelect]: unknown };

export function snapshotOf(row: SnapshotRow): NhiSnapshot {
  const snapshot = {} as NhiSnapshot;
  for (const key of Object.keys(nhiSnapshotSelect) as (keyof NhiSnapshot)[]) {
    snapshot[key] = toJson(row[key]);
  }
  return snapshot;
}

function toJson(value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** The fields whose value differs, with both values; a create compares with nothing. */
export function diffSnapshots(before: NhiSnapshot | null, after: NhiSnapshot): NhiFieldChanges {
  const changes: NhiFieldChanges = {};
  for (const key of Object.keys(after) as (keyof NhiSnapshot)[]) {
    const previous = before ? before[key] : null;
    if (before && sameJson(previous, after[key])) continue;
    if (!before && after[key] === null) continue;
    changes[key] = { before: previous, after: after[key] };
  }
  return changes;
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Object keys JSON writes as they are, between quotes (nothing in them to escape). */
const plainKey = /^[\w.:\-/ @$]*$/;

/**
 * JSON with object keys sorted, so equal documents give equal text whatever their key order. Dates
 * are written as ISO strings and undefined properties left out, as JSON.stringify does. Built as one
 * string without intermediate objects: scans compare and hash hundreds of thousands of documents.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'object':
      break;
    default:
      return JSON.stringify(value) ?? 'null';
  }
  if (value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (i > 0) out += ',';
      out += item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Connectors build their objects in one key order: most are sorted already.
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) <= (keys[i] as string);
  if (!sorted) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    if (!first) out += ',';
    // A key of these characters needs no escaping: quoting it by hand is the same string, cheaper.
    out += plainKey.test(key) ? `"${key}":` : `${JSON.stringify(key)}:`;
    out += canonicalJson(item);
    first = false;
  }
  return `${out}}`;
}

export interface NhiChange {
  nhiId: string;
  /** The version the identity has after the change (the caller bumps the row). */
  version: number;
  action: NhiChangeAction;
  /** null for a create. */
  before: NhiSnapshot | null;
  after: NhiSnapshot;
}

type ChangeContext = Pick<RequestContext, 'realm' | 'principal' | 'requestId'>;

/**
 * Records a change of an identity inside the transaction that made it: a version row (the full
 * snapshot and what changed), pruning to the last versions, and an audit row with the changed
 * fields. Call it after updating the row with `version: { increment: 1 }` (or creating it).
 */
export async function recordNhiChange(
  tx: RealmTx,
  context: ChangeContext,
  change: NhiChange,
): Promise<NhiFieldChanges> {
  const [changes] = await recordNhiChanges(tx, context, [change]);
  return changes ?? {};
}

/** recordNhiChange for many identities at once (bulk edits, imports): a few statements in all. */
export async function recordNhiChanges(
  tx: RealmTx,
  context: ChangeContext,
  batch: readonly NhiChange[],
): Promise<NhiFieldChanges[]> {
  if (batch.length === 0) return [];
  const actor = actorOf(context.principal);
  const diffs = batch.map((change) => diffSnapshots(change.before, change.after));
  await tx.nhiVersion.createMany({
    data: batch.map((change, index) => ({
      nhiId: change.nhiId,
      version: change.version,
      // jsonb refuses NUL and lone surrogates: the record of a change must never be what fails it.
      snapshot: withCleanText(change.after),
      changes: withCleanText(diffs[index]) as Record<string, JsonValue>,
      ...actor,
      requestId: context.requestId,
    })),
  });
  await pruneNhiVersions(
    tx,
    context.realm.id,
    batch.map((change) => [change.nhiId, change.version - keptVersionsPerNhi]),
  );
  await tx.auditLog.createMany({
    data: batch.map((change, index) => {
      const changes = diffs[index] ?? {};
      return {
        ...actor,
        action: change.action,
        entityType: 'Nhi',
        entityId: change.nhiId,
        before: change.before ? withCleanText(sideOf(changes, 'before')) : undefined,
        after: withCleanText(sideOf(changes, 'after')),
        requestId: context.requestId,
      };
    }),
  });
  await publishDomainEvent(
    tx,
    'nhi.changed',
    batch.map((c) => c.nhiId),
  );
  return diffs;
}

export interface CredentialChange {
  credentialId: string;
  nhiId: string;
  action: CredentialChangeAction;
  /** Non-secret facts only (kind, hint, fingerprint, dates, status). */
  before?: Record<string, JsonValue>;
  after: Record<string, JsonValue>;
}

/** Audits a credential change; the identity's audit trail lists it through `nhiId`. */
export async function recordCredentialChange(
  tx: RealmTx,
  context: ChangeContext,
  change: CredentialChange,
): Promise<void> {
  await writeAuditEntry(tx, {
    realmId: context.realm.id,
    actor: context.principal,
    action: change.action,
    entityType: 'Credential',
    entityId: change.credentialId,
    before: change.before ? { nhiId: change.nhiId, ...change.before } : undefined,
    after: { nhiId: change.nhiId, ...change.after },
    requestId: context.requestId,
  });
  await publishDomainEvent(tx, 'nhi.changed', [change.nhiId]);
}

/** recordCredentialChange for many credentials at once (imports): two statements in all. */
export async function recordCredentialChanges(
  tx: RealmTx,
  context: ChangeContext,
  changes: readonly CredentialChange[],
): Promise<void> {
  if (changes.length === 0) return;
  const actor = actorOf(context.principal);
  await tx.auditLog.createMany({
    data: changes.map((change) => ({
      ...actor,
      action: change.action,
      entityType: 'Credential',
      entityId: change.credentialId,
      before: change.before ? withCleanText({ nhiId: change.nhiId, ...change.before }) : undefined,
      after: withCleanText({ nhiId: change.nhiId, ...change.after }),
      requestId: context.requestId,
    })),
  });
  await publishDomainEvent(
    tx,
    'nhi.changed',
    changes.map((change) => change.nhiId),
  );
}

function sideOf(changes: NhiFieldChanges, side: 'before' | 'after'): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(changes).map(([key, change]) => [key, change[side] as JsonValue]));
}
