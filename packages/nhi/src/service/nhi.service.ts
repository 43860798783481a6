import { createHash } from 'node:crypto';
import {
  allCoverage,
  ConflictError,
  type Coverage,
  coveredOwnerWhere,
  coversOwner,
  isUniqueViolation,
  NotFoundError,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AddCredentialInput,
  type BulkUpdateInput,
  bulkUpdateInput,
  type CreateNhiInput,
  createNhiInput,
  type NhiChanges,
  type RotateCredentialInput,
  type UpdateNhiInput,
  updateNhiInput,
} from '../api/nhi.schema.ts';
import { lockNhis } from '../sql/nhi-locks.sql.ts';
import type { JsonValue } from './nhi-change-log.ts';
import {
  diffSnapshots,
  type JsonDocument,
  type NhiChange,
  type NhiSnapshot,
  nhiSnapshotSelect,
  recordNhiChange,
  recordNhiChanges,
  snapshotOf,
} from './nhi-change-log.ts';
import { fieldsChangedSince, nhiConflict } from './nhi-conflict.ts';
import { NhiCredentialService } from './nhi-credentials.service.ts';
import type {
  NhiAuditEntry,
  NhiCredential,
  NhiDetail,
  NhiFieldChanges,
  NhiVersionEntry,
} from './nhi-detail.ts';
import { loadNhiDetail } from './nhi-detail-select.ts';
import { assertOwnerGroupExists, assertOwnersAreMembers, assertOwnerTeamCovered } from './nhi-owner.ts';

export interface BulkUpdateResult {
  /** Identities that changed (each got a version and an audit row). */
  updated: number;
  /** Identities that already had the requested values. */
  unchanged: number;
}

/** Large bulk edits write a few thousand rows; Prisma's default of 5 s is meant for single edits. */
const bulkTransactionTimeoutMs = 120_000;
const auditPageSize = 200;

/**
 * The identities of the request's realm: one trustworthy record each, versioned (optimistic
 * concurrency, the last versions kept), audited in the transaction of every change, soft-deleted.
 * Each call reaches the identities the caller's coverage of its permission reaches (ADR 0040):
 * any other is NOT_FOUND, as an identity of another realm is.
 */
@injectable()
export class NhiService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(NhiCredentialService) private readonly credentials: NhiCredentialService,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** Deleted identities too (their deletedAt says so): the detail page offers to restore them. */
  async get(id: string): Promise<NhiDetail> {
    const coverage = this.permissions.coverage('nhi:read');
    const detail = await this.realmDb.transaction((tx) => loadNhiDetail(tx, id, coverage));
    if (!detail) throw new NotFoundError('Nhi', id);
    return detail;
  }

  /**
   * With an idempotency key, a retry of the same request returns the identity the first call
   * created (without a second audit row); the same key with other content is a conflict. A scoped
   * member creates identities owned by one of their teams only.
   */
  async create(input: CreateNhiInput): Promise<NhiDetail> {
    const { idempotencyKey, ...fields } = parseInput(createNhiInput, input, 'NHI');
    const coverage = this.permissions.coverage('nhi:write');
    assertOwnerTeamCovered(coverage, fields.ownerGroupId ?? null);
    const requestHash = idempotencyKey ? hashOf(fields) : null;
    if (idempotencyKey) {
      const replay = await this.realmDb.transaction((tx) =>
        replayOf(tx, idempotencyKey, requestHash, coverage),
      );
      if (replay) return replay;
    }
    const now = this.context.clock.now();
    let id: string;
    try {
      id = await this.realmDb.transaction(async (tx) => {
        if (fields.ownerUserId) await assertOwnersAreMembers(tx, [fields.ownerUserId]);
        if (fields.ownerGroupId) await assertOwnerGroupExists(tx, fields.ownerGroupId);
        const row = await tx.nhi.create({
          data: {
            ...changesToData(fields),
            kind: fields.kind,
            provider: fields.provider,
            externalId: fields.externalId,
            name: fields.name,
            firstSeenAt: now,
            lastSeenAt: now,
            createdAt: now,
            updatedAt: now,
            idempotencyKey: idempotencyKey ?? null,
            idempotencyHash: requestHash,
          },
          select: { id: true, ...nhiSnapshotSelect },
        });
        await recordNhiChange(tx, this.context, {
          nhiId: row.id,
          version: 1,
          action: 'nhi.create',
          before: null,
          after: snapshotOf(row),
        });
        return row.id;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent retry won the race, or the provider's id is taken: the rolled-back
      // transaction cannot tell which, a fresh one can.
      const outcome = await this.realmDb.transaction(async (tx) => {
        const replay = idempotencyKey ? await replayOf(tx, idempotencyKey, requestHash, coverage) : undefined;
        return replay ?? (await duplicateOf(tx, fields.provider, fields.externalId, error, coverage));
      });
      if (outcome instanceof Error) throw outcome;
      return outcome;
    }
    return this.realmDb.transaction((tx) => this.detailIn(tx, id));
  }

  /**
   * Applies the changes when `expectedVersion` is the current version; otherwise a ConflictError
   * names the current version and the fields changed since, unless `force` overwrites them.
   * Changes equal to the current values write nothing.
   */
  async update(input: UpdateNhiInput): Promise<NhiDetail> {
    const coverage = this.permissions.coverage('nhi:write');
    return this.realmDb.transaction((tx) => this.updateIn(tx, input, coverage));
  }

  /**
   * The update within the caller's transaction: an accepted ownership suggestion commits with the
   * owner it sets. `coverage`: the identities the calling permission reaches, and the owner teams
   * it may set. `action` names the change in the history and audit trail.
   */
  async updateIn(
    tx: RealmTx,
    input: UpdateNhiInput,
    coverage: Coverage,
    action: 'nhi.update' | 'nhi.owner_suggestion.accept' = 'nhi.update',
  ): Promise<NhiDetail> {
    const { id, expectedVersion, force, changes } = parseInput(updateNhiInput, input, 'NHI update');
    await lockNhis(tx, this.realmDb.realmId, [id]);
    const current = await tx.nhi.findFirst({
      where: { id, ...coveredOwnerWhere(coverage) },
      select: { ...nhiSnapshotSelect, version: true },
    });
    if (!current) throw new NotFoundError('Nhi', id);
    const before = snapshotOf(current);
    if (current.deletedAt) {
      throw await this.conflict(tx, id, expectedVersion, current.version, before, 'The NHI was deleted');
    }
    if (!force && current.version !== expectedVersion) {
      throw await this.conflict(
        tx,
        id,
        expectedVersion,
        current.version,
        before,
        'NHI changed since you loaded it',
      );
    }
    if (changes.ownerGroupId !== undefined) assertOwnerTeamCovered(coverage, changes.ownerGroupId);
    if (changes.ownerUserId) await assertOwnersAreMembers(tx, [changes.ownerUserId]);
    if (changes.ownerGroupId) await assertOwnerGroupExists(tx, changes.ownerGroupId);
    const data = changesToData(changes);
    const after = snapshotOf({ ...current, ...data });
    if (sameSnapshot(before, after)) return this.detailIn(tx, id);
    const updated = await tx.nhi.updateMany({
      where: { id, deletedAt: null, ...(force ? {} : { version: expectedVersion }) },
      data: { ...data, version: { increment: 1 }, updatedAt: this.context.clock.now() },
    });
    // The row is locked, so this only guards against a caller that skipped the lock.
    if (updated.count === 0) {
      throw await this.conflict(
        tx,
        id,
        expectedVersion,
        current.version,
        before,
        'NHI changed since you loaded it',
      );
    }
    await recordNhiChange(tx, this.context, {
      nhiId: id,
      version: current.version + 1,
      action,
      before,
      after,
    });
    return this.detailIn(tx, id);
  }

  /** Hides the identity from the inventory; it keeps its history and can be restored. */
  softDelete(id: string): Promise<NhiDetail> {
    return this.setDeleted(id, true);
  }

  restore(id: string): Promise<NhiDetail> {
    return this.setDeleted(id, false);
  }

  /** The kept versions, newest first: who changed what, and when. */
  async history(id: string): Promise<NhiVersionEntry[]> {
    const coverage = this.permissions.coverage('nhi:read');
    return this.realmDb.transaction(async (tx) => {
      await this.assertExists(tx, id, coverage);
      const versions = await tx.nhiVersion.findMany({
        where: { nhiId: id },
        select: {
          version: true,
          changes: true,
          actorType: true,
          actorId: true,
          requestId: true,
          createdAt: true,
        },
        orderBy: { version: 'desc' },
      });
      return versions.map((entry) => ({
        version: entry.version,
        changes: entry.changes as NhiFieldChanges,
        actor: { type: entry.actorType, id: entry.actorId },
        requestId: entry.requestId,
        createdAt: entry.createdAt,
      }));
    });
  }

  /** Audit rows about the identity and its credentials, newest first. */
  async audit(id: string): Promise<NhiAuditEntry[]> {
    const coverage = this.permissions.coverage('nhi:read');
    return this.realmDb.transaction(async (tx) => {
      await this.assertExists(tx, id, coverage);
      const credentials = await tx.credential.findMany({ where: { nhiId: id }, select: { id: true } });
      const rows = await tx.auditLog.findMany({
        where: {
          OR: [
            { entityType: 'Nhi', entityId: id },
            { entityType: 'Credential', entityId: { in: credentials.map((credential) => credential.id) } },
          ],
        },
        select: {
          id: true,
          action: true,
          entityType: true,
          entityId: true,
          actorType: true,
          actorId: true,
          before: true,
          after: true,
          requestId: true,
          createdAt: true,
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: auditPageSize,
      });
      return rows.map(({ actorType, actorId, before, after, ...row }) => ({
        ...row,
        // Stored JSON: the ORM's type allows undefined members, which JSON never holds.
        before: before as JsonValue,
        after: after as JsonValue,
        actor: { type: actorType, id: actorId },
      }));
    });
  }

  addCredential(input: AddCredentialInput): Promise<NhiCredential> {
    return this.credentials.add(input);
  }

  rotateCredential(input: RotateCredentialInput): Promise<NhiCredential> {
    return this.credentials.rotate(input);
  }

  revokeCredential(credentialId: string): Promise<NhiCredential> {
    return this.credentials.revoke(credentialId);
  }

  /** A credential deactivated (`inactive`) or deleted (`revoked`) at its provider by a remediation action. */
  recordCredentialProviderStatus(
    credentialId: string,
    status: 'inactive' | 'revoked',
    coverage: Coverage,
  ): Promise<NhiCredential> {
    return this.credentials.recordProviderStatus(credentialId, status, coverage);
  }

  /**
   * Owner, tags and environment of many identities in one transaction: all change or none. Each
   * identity that changes gets its own version and audit row. One identity the caller does not
   * cover fails the whole edit as NOT_FOUND, as one of another realm does.
   */
  async bulkUpdate(input: BulkUpdateInput): Promise<BulkUpdateResult> {
    const request = parseInput(bulkUpdateInput, input, 'bulk update');
    const ids = [...new Set(request.ids)];
    const now = this.context.clock.now();
    const coverage = this.permissions.coverage('nhi:write');
    return this.realmDb.transaction(
      async (tx) => {
        if (request.ownerUserId) await assertOwnersAreMembers(tx, [request.ownerUserId]);
        await lockNhis(tx, this.realmDb.realmId, ids);
        const rows = await tx.nhi.findMany({
          where: { id: { in: ids }, ...coveredOwnerWhere(coverage) },
          select: { id: true, version: true, ...nhiSnapshotSelect },
        });
        const byId = new Map(rows.map((row) => [row.id, row]));
        const missing = ids.find((id) => !byId.has(id));
        if (missing) throw new NotFoundError('Nhi', missing);
        const deleted = rows.find((row) => row.deletedAt);
        if (deleted)
          throw new ConflictError(`NHI ${deleted.id} is deleted: restore it first`, { id: deleted.id });

        const changes: NhiChange[] = [];
        for (const row of rows) {
          const data = bulkChangesOf(row, request);
          const before = snapshotOf(row);
          const after = snapshotOf({ ...row, ...data });
          if (sameSnapshot(before, after)) continue;
          await tx.nhi.update({
            where: { id: row.id },
            data: { ...data, version: { increment: 1 }, updatedAt: now },
            select: { id: true },
          });
          changes.push({ nhiId: row.id, version: row.version + 1, action: 'nhi.bulk_update', before, after });
        }
        await recordNhiChanges(tx, this.context, changes);
        return { updated: changes.length, unchanged: rows.length - changes.length };
      },
      { timeout: bulkTransactionTimeoutMs },
    );
  }

  private async setDeleted(id: string, deleted: boolean): Promise<NhiDetail> {
    const coverage = this.permissions.coverage('nhi:delete');
    return this.realmDb.transaction(async (tx) => {
      await lockNhis(tx, this.realmDb.realmId, [id]);
      const current = await tx.nhi.findFirst({
        where: { id, ...coveredOwnerWhere(coverage) },
        select: { ...nhiSnapshotSelect, version: true },
      });
      if (!current) throw new NotFoundError('Nhi', id);
      // Deleting a deleted identity (or restoring a live one) is a repeat, not a change.
      if (Boolean(current.deletedAt) === deleted) return this.detailIn(tx, id);
      const now = this.context.clock.now();
      const deletedAt = deleted ? now : null;
      await tx.nhi.update({
        where: { id },
        data: { deletedAt, version: { increment: 1 }, updatedAt: now },
        select: { id: true },
      });
      await recordNhiChange(tx, this.context, {
        nhiId: id,
        version: current.version + 1,
        action: deleted ? 'nhi.delete' : 'nhi.restore',
        before: snapshotOf(current),
        after: snapshotOf({ ...current, deletedAt }),
      });
      return this.detailIn(tx, id);
    });
  }

  private async conflict(
    tx: RealmTx,
    id: string,
    seenVersion: number,
    currentVersion: number,
    currentSnapshot: NhiSnapshot,
    message: string,
  ): Promise<ConflictError> {
    const changedFields = await fieldsChangedSince(tx, id, seenVersion, currentSnapshot);
    return nhiConflict(message, { currentVersion, changedFields, current: await this.detailIn(tx, id) });
  }

  /** The identity a change was just checked against the caller's coverage for, as it is now. */
  private async detailIn(tx: RealmTx, id: string): Promise<NhiDetail> {
    const detail = await loadNhiDetail(tx, id, allCoverage);
    if (!detail) throw new NotFoundError('Nhi', id);
    return detail;
  }

  private async assertExists(tx: RealmTx, id: string, coverage: Coverage): Promise<void> {
    const found = await tx.nhi.findFirst({
      where: { id, ...coveredOwnerWhere(coverage) },
      select: { id: true },
    });
    if (!found) throw new NotFoundError('Nhi', id);
  }
}

/**
 * The identity an earlier create with this key made. An identity the caller does not cover
 * (another team's, or moved out of theirs since) is neither returned nor named.
 */
async function replayOf(
  tx: RealmTx,
  idempotencyKey: string,
  requestHash: string | null,
  coverage: Coverage,
): Promise<NhiDetail | undefined> {
  const earlier = await tx.nhi.findFirst({
    where: { idempotencyKey },
    select: { id: true, idempotencyHash: true, ownerGroupId: true },
  });
  if (!earlier) return undefined;
  const covered = coversOwner(coverage, earlier.ownerGroupId);
  if (earlier.idempotencyHash !== requestHash || !covered) {
    throw new ConflictError(
      'This idempotency key was already used for a different NHI',
      covered ? { id: earlier.id } : undefined,
    );
  }
  return loadNhiDetail(tx, earlier.id, coverage);
}

/**
 * Why a create broke a unique constraint: the provider's id is taken. The identity that holds it
 * is named only to a caller who covers it; the others learn that the id is taken, nothing more.
 */
async function duplicateOf(
  tx: RealmTx,
  provider: string,
  externalId: string,
  cause: unknown,
  coverage: Coverage,
): Promise<Error> {
  const existing = await tx.nhi.findFirst({
    where: { provider: provider as never, externalId },
    select: { id: true, deletedAt: true, ownerGroupId: true },
  });
  if (!existing) return cause instanceof Error ? cause : new Error(String(cause));
  if (!coversOwner(coverage, existing.ownerGroupId)) {
    return new ConflictError(`An NHI with provider ${provider} and external id ${externalId} already exists`);
  }
  return new ConflictError(
    existing.deletedAt
      ? `A deleted NHI has provider ${provider} and external id ${externalId}: restore it instead`
      : `An NHI with provider ${provider} and external id ${externalId} already exists`,
    { existingId: existing.id, deleted: Boolean(existing.deletedAt) },
  );
}

/** Prisma data for the given fields; absent fields stay as they are. */
function changesToData(changes: NhiChanges) {
  const data: {
    name?: string;
    description?: string | null;
    ownerUserId?: string | null;
    ownerGroupId?: string | null;
    environment?: NhiChanges['environment'];
    status?: NhiChanges['status'];
    tags?: string[];
    permissions?: JsonDocument;
    metadata?: JsonDocument;
    providerCreatedAt?: Date | null;
    lastUsedAt?: Date | null;
  } = {};
  if (changes.name !== undefined) data.name = changes.name;
  if (changes.description !== undefined) data.description = changes.description;
  if (changes.ownerUserId !== undefined) data.ownerUserId = changes.ownerUserId;
  if (changes.ownerGroupId !== undefined) data.ownerGroupId = changes.ownerGroupId;
  if (changes.environment !== undefined) data.environment = changes.environment;
  if (changes.status !== undefined) data.status = changes.status;
  if (changes.tags !== undefined) data.tags = [...new Set(changes.tags)];
  if (changes.permissions !== undefined) data.permissions = toJsonValue(changes.permissions);
  if (changes.metadata !== undefined) data.metadata = toJsonValue(changes.metadata);
  if (changes.providerCreatedAt !== undefined) data.providerCreatedAt = changes.providerCreatedAt;
  if (changes.lastUsedAt !== undefined) data.lastUsedAt = changes.lastUsedAt;
  return data;
}

function bulkChangesOf(
  row: { tags: string[] },
  request: {
    ownerUserId?: string | null;
    addTags?: string[];
    removeTags?: string[];
    environment?: NhiChanges['environment'];
  },
) {
  const removed = new Set(request.removeTags ?? []);
  const tags = [...new Set([...row.tags.filter((tag) => !removed.has(tag)), ...(request.addTags ?? [])])];
  return changesToData({
    ownerUserId: request.ownerUserId,
    environment: request.environment,
    tags: request.addTags || request.removeTags ? tags : undefined,
  });
}

function toJsonValue(value: object): JsonDocument {
  return JSON.parse(JSON.stringify(value)) as JsonDocument;
}

function sameSnapshot(a: NhiSnapshot, b: NhiSnapshot): boolean {
  return Object.keys(diffSnapshots(a, b)).length === 0;
}

/** Content of a create request, independent of key order. */
function hashOf(fields: object): string {
  return createHash('sha256')
    .update(JSON.stringify(sortKeys(fields)))
    .digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
