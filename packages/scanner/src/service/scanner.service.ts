import {
  actorOf,
  CONFIG,
  type Config,
  ConflictError,
  isUniqueViolation,
  JOB_QUEUE,
  type JobQueue,
  NotFoundError,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { z } from 'zod';
import {
  type ConnectionTestResult,
  type CreateSourceInput,
  createSourceInput,
  type LeakView,
  listLeaksInput,
  listScansInput,
  type ScanProgress,
  type ScanView,
  type ScanWarningView,
  type SourceView,
  type StartScanInput,
  scanInputsBySource,
  startScanInput,
  type TestConnectionInput,
  testConnectionInput,
  type UpdateSourceInput,
  updateSourceInput,
} from '../api/scanner.schema.ts';
import { connectorFor } from '../connectors/registry.ts';
import { listLeakRows } from '../sql/leaks.sql.ts';
import { scanJob, scheduledScanJob } from './scanner-jobs.ts';
import { ScannerSecrets } from './scanner-secrets.ts';

const sourceSelect = {
  id: true,
  type: true,
  name: true,
  environment: true,
  schedule: true,
  settings: true,
  encryptedSecrets: true,
  createdAt: true,
  updatedAt: true,
  scans: {
    select: { id: true, state: true, finishedAt: true, createdAt: true },
    orderBy: { createdAt: 'desc' },
    take: 1,
  },
} as const;

const scanSelect = {
  id: true,
  sourceId: true,
  source: { select: { name: true } },
  input: true,
  state: true,
  phase: true,
  complete: true,
  itemsTotal: true,
  itemsProcessed: true,
  itemsRead: true,
  itemsUnit: true,
  newCount: true,
  updatedCount: true,
  unchangedCount: true,
  missingCount: true,
  leakCount: true,
  warningCount: true,
  warnings: true,
  progress: true,
  error: true,
  uploadName: true,
  triggeredByType: true,
  triggeredById: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const;

function parse<T>(
  schema: {
    safeParse(
      value: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    'Invalid input',
    parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
      message: issue.message,
    })),
  );
}

/**
 * Discovery sources, scans and leaks of the caller's realm. Credentials of a source are encrypted
 * before they reach the database and never returned; a scan is queued as a durable job.
 */
@injectable()
export class ScannerService {
  constructor(
    @inject(REALM_DB) private readonly db: RealmDb,
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(ScannerSecrets) private readonly secrets: ScannerSecrets,
    @inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @inject(CONFIG) private readonly config: Config,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  async listSources(): Promise<SourceView[]> {
    const { rows, counts } = await this.db.transaction(async (tx) => ({
      rows: await tx.source.findMany({ select: sourceSelect, orderBy: { name: 'asc' } }),
      counts: await identityCountsOfSources(tx, this.db.realmId),
    }));
    return Promise.all(rows.map((row) => this.sourceView(row, counts.get(row.id) ?? 0)));
  }

  async getSource(id: string): Promise<SourceView> {
    const { row, counts } = await this.db.transaction(async (tx) => ({
      row: await tx.source.findUnique({ where: { id }, select: sourceSelect }),
      counts: await identityCountsOfSources(tx, this.db.realmId, id),
    }));
    if (!row) throw new NotFoundError('Source', id);
    return this.sourceView(row, counts.get(id) ?? 0);
  }

  async createSource(raw: CreateSourceInput): Promise<SourceView> {
    const input = parse(createSourceInput, raw);
    const encryptedSecrets = input.secrets ? await this.secrets.encryptJson(input.secrets) : null;
    const created = await this.db
      .transaction(async (tx) => {
        const row = await tx.source.create({
          data: {
            type: input.type,
            name: input.name,
            environment: input.environment,
            schedule: input.schedule ?? null,
            settings: input.settings,
            encryptedSecrets,
          },
          select: sourceSelect,
        });
        await this.audit(tx, 'source.create', row.id, undefined, this.auditable(row));
        return row;
      })
      .catch((error) => this.nameTaken(error, input.name));
    await this.applySchedule(created.id, created.schedule);
    return this.sourceView(created);
  }

  async updateSource(raw: UpdateSourceInput): Promise<SourceView> {
    const input = parse(updateSourceInput, raw);
    const encryptedSecrets =
      input.secrets === undefined
        ? undefined
        : input.secrets === null
          ? null
          : await this.secrets.encryptJson(input.secrets);
    const updated = await this.db
      .transaction(async (tx) => {
        const before = await tx.source.findUnique({ where: { id: input.id }, select: sourceSelect });
        if (!before) throw new NotFoundError('Source', input.id);
        const row = await tx.source.update({
          where: { id: input.id },
          data: {
            name: input.name,
            environment: input.environment,
            schedule: input.schedule,
            settings: input.settings,
            encryptedSecrets,
          },
          select: sourceSelect,
        });
        await this.audit(tx, 'source.update', row.id, this.auditable(before), {
          ...this.auditable(row),
          secretsChanged: encryptedSecrets !== undefined,
        });
        return row;
      })
      .catch((error) => this.nameTaken(error, input.name ?? ''));
    await this.applySchedule(updated.id, updated.schedule);
    const counts = await this.db.transaction((tx) =>
      identityCountsOfSources(tx, this.db.realmId, updated.id),
    );
    return this.sourceView(updated, counts.get(updated.id) ?? 0);
  }

  /** Deletes the source with its scans, facts and leaks; the identities it found stay in the inventory. */
  async deleteSource(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = await tx.source.findUnique({ where: { id }, select: sourceSelect });
      if (!before) throw new NotFoundError('Source', id);
      await tx.source.delete({ where: { id }, select: { id: true } });
      await this.audit(tx, 'source.delete', id, this.auditable(before), undefined);
    });
    await this.jobs.unschedule(scheduledScanJob, id);
  }

  /** Credentials given here are used for one call and forgotten: neither stored, audited nor logged. */
  async testConnection(raw: TestConnectionInput): Promise<ConnectionTestResult> {
    const input = parse(testConnectionInput, raw);
    // The providers' SDKs load with the first test, not with the hub (see connectors/registry.ts).
    const { testSourceConnection } = await import('../connectors/connection-test.ts');
    return testSourceConnection(input.type, input.settings, input.secrets);
  }

  async startScan(raw: StartScanInput): Promise<ScanView> {
    const input = parse(startScanInput, raw);
    const connector = connectorFor(input.input);
    const upload = input.upload ? Buffer.from(input.upload.contentBase64, 'base64') : null;
    if (upload && upload.length > this.config.NHI_SCAN_UPLOAD_MAX_BYTES)
      throw new ValidationError(
        `The file is ${upload.length} bytes; uploads are limited to ${this.config.NHI_SCAN_UPLOAD_MAX_BYTES} bytes`,
        [{ path: ['upload'], message: 'too large' }],
      );
    if (connector?.needsUpload && !upload)
      throw new ValidationError(`${input.input} reads an uploaded file`, [
        { path: ['upload'], message: 'required' },
      ]);
    const uploadEncrypted = upload ? await this.secrets.encrypt(upload) : null;
    const scan = await this.db.transaction(async (tx) => {
      const source = await tx.source.findUnique({ where: { id: input.sourceId }, select: { type: true } });
      if (!source) throw new NotFoundError('Source', input.sourceId);
      const allowed: readonly string[] = scanInputsBySource[source.type];
      if (!allowed.includes(input.input))
        throw new ValidationError(`A ${source.type} source reads ${allowed.join(', ')}, not ${input.input}`, [
          { path: ['input'], message: 'not for this source type' },
        ]);
      const actor = actorOf(this.context.principal);
      const row = await tx.scan.create({
        data: {
          sourceId: input.sourceId,
          input: input.input,
          complete: input.complete,
          uploadName: input.upload?.name ?? null,
          uploadSize: upload?.length ?? null,
          uploadEncrypted: uploadEncrypted ? new Uint8Array(uploadEncrypted) : null,
          triggeredByType: actor.actorType,
          triggeredById: actor.actorId,
        },
        select: { id: true },
      });
      await this.audit(tx, 'scan.start', row.id, undefined, {
        sourceId: input.sourceId,
        input: input.input,
        uploadName: input.upload?.name ?? null,
        uploadSize: upload?.length ?? null,
      });
      return row;
    });
    const jobId = await this.jobs.enqueue(scanJob, { realmId: this.context.realm.id, scanId: scan.id });
    await this.db.transaction((tx) =>
      tx.scan.update({ where: { id: scan.id }, data: { jobId }, select: { id: true } }),
    );
    return this.getScan(scan.id);
  }

  async listScans(raw: { sourceId?: string; limit?: number } = {}): Promise<ScanView[]> {
    const input = parse(listScansInput, raw);
    const rows = await this.db.transaction((tx) =>
      tx.scan.findMany({
        where: input.sourceId ? { sourceId: input.sourceId } : {},
        select: scanSelect,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit,
      }),
    );
    return rows.map(scanView);
  }

  async getScan(id: string): Promise<ScanView> {
    const row = await this.db.transaction((tx) => tx.scan.findUnique({ where: { id }, select: scanSelect }));
    if (!row) throw new NotFoundError('Scan', id);
    return scanView(row);
  }

  /** A queued scan ends at once; a running one stops at its next batch. */
  async cancelScan(id: string): Promise<ScanView> {
    const job = await this.db.transaction(async (tx) => {
      const scan = await tx.scan.findUnique({ where: { id }, select: { state: true, jobId: true } });
      if (!scan) throw new NotFoundError('Scan', id);
      if (scan.state !== 'queued' && scan.state !== 'running')
        throw new ConflictError(
          `The scan has already ${scan.state === 'cancelled' ? 'been cancelled' : scan.state}`,
        );
      const now = this.context.clock.now();
      await tx.scan.update({
        where: { id },
        data:
          scan.state === 'queued'
            ? { cancelRequestedAt: now, state: 'cancelled', finishedAt: now, uploadEncrypted: null }
            : { cancelRequestedAt: now },
        select: { id: true },
      });
      await this.audit(tx, 'scan.cancel', id, { state: scan.state }, undefined);
      return scan.state === 'queued' ? scan.jobId : null;
    });
    if (job) await this.jobs.cancel(scanJob, job).catch(() => {});
    return this.getScan(id);
  }

  /** The latest leaks the caller's `leak:read` reaches (a scoped reader: its teams' identities'). */
  async listLeaks(raw: z.input<typeof listLeaksInput> = {}): Promise<LeakView[]> {
    const input = parse(listLeaksInput, raw);
    return this.db.transaction(async (tx) => {
      const rows = await listLeakRows(tx, this.db.realmId, input, this.permissions.coverage('leak:read'));
      const nhiIds = [...new Set(rows.map((row) => row.nhiId).filter((id): id is string => id !== null))];
      const nhis = await tx.nhi.findMany({ where: { id: { in: nhiIds } }, select: { id: true, name: true } });
      const names = new Map(nhis.map((nhi) => [nhi.id, nhi.name]));
      return rows.map(({ nhiId, ...row }) => ({
        ...row,
        nhi: nhiId && names.has(nhiId) ? { id: nhiId, name: names.get(nhiId) as string } : null,
      }));
    });
  }

  private async applySchedule(sourceId: string, schedule: string | null) {
    if (schedule)
      await this.jobs
        .schedule(scheduledScanJob, sourceId, schedule, { realmId: this.context.realm.id, sourceId })
        .catch((error: unknown) => {
          throw new ValidationError(
            `The schedule is not a valid cron expression: ${(error as Error).message}`,
            [{ path: ['schedule'], message: 'invalid cron expression' }],
          );
        });
    else await this.jobs.unschedule(scheduledScanJob, sourceId);
  }

  private async sourceView(
    row: {
      id: string;
      type: SourceView['type'];
      name: string;
      environment: SourceView['environment'];
      schedule: string | null;
      settings: unknown;
      encryptedSecrets: string | null;
      createdAt: Date;
      updatedAt: Date;
      scans: {
        id: string;
        state: SourceView['state' & keyof SourceView] | ScanView['state'];
        finishedAt: Date | null;
        createdAt: Date;
      }[];
    },
    identityCount = 0,
  ): Promise<SourceView> {
    const secretNames = row.encryptedSecrets
      ? Object.keys(await this.secrets.decryptJson(row.encryptedSecrets)).sort()
      : [];
    const last = row.scans[0];
    return {
      id: row.id,
      type: row.type,
      name: row.name,
      environment: row.environment,
      schedule: row.schedule,
      settings: (row.settings ?? {}) as SourceView['settings'],
      secretNames,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      lastScan: last
        ? {
            id: last.id,
            state: last.state as ScanView['state'],
            finishedAt: last.finishedAt,
            createdAt: last.createdAt,
          }
        : null,
      identityCount,
    };
  }

  /** What the audit log may hold of a source: never its credentials. */
  private auditable(row: {
    name: string;
    type: string;
    environment: string;
    schedule: string | null;
    settings: unknown;
  }) {
    return {
      name: row.name,
      type: row.type,
      environment: row.environment,
      schedule: row.schedule,
      settings: JSON.parse(JSON.stringify(row.settings ?? {})),
    };
  }

  private async audit(
    tx: RealmTx,
    action: string,
    entityId: string,
    before: Record<string, unknown> | undefined,
    after: Record<string, unknown> | undefined,
  ) {
    await writeAuditEntry(tx, {
      realmId: this.context.realm.id,
      actor: this.context.principal,
      action,
      entityType: action.startsWith('scan') ? 'Scan' : 'Source',
      entityId,
      before: before as never,
      after: after as never,
      requestId: this.context.requestId,
    });
  }

  private nameTaken(error: unknown, name: string): never {
    if (isUniqueViolation(error)) throw new ConflictError(`A source named "${name}" already exists`);
    throw error;
  }
}

/**
 * Per source, its live identities (not deleted), missing from its last scan or not: what the
 * inventory's filter by source lists.
 */
async function identityCountsOfSources(tx: RealmTx, realmId: string, sourceId?: string) {
  const rows = await tx.$queryRaw<{ sourceId: string; count: number }[]>`
    /* whole realm: a count per source for source:read, which reaches the whole realm */
    SELECT si."sourceId", count(DISTINCT si."nhiId")::int AS count
    FROM "SourceItem" AS si JOIN "Nhi" AS n ON n."realmId" = si."realmId" AND n.id = si."nhiId"
    WHERE si."realmId" = ${realmId} AND n."deletedAt" IS NULL
      AND (${sourceId ?? null}::text IS NULL OR si."sourceId" = ${sourceId ?? null})
    GROUP BY si."sourceId"`;
  return new Map(rows.map((row) => [row.sourceId, row.count]));
}

function scanView(row: {
  id: string;
  sourceId: string;
  source: { name: string };
  input: string;
  state: ScanView['state'];
  phase: string | null;
  complete: boolean;
  itemsTotal: number | null;
  itemsProcessed: number;
  itemsRead: number | null;
  itemsUnit: string | null;
  newCount: number;
  updatedCount: number;
  unchangedCount: number;
  missingCount: number;
  leakCount: number;
  warningCount: number;
  warnings: unknown;
  progress: unknown;
  error: string | null;
  uploadName: string | null;
  triggeredByType: 'user' | 'token' | 'system';
  triggeredById: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}): ScanView {
  return {
    id: row.id,
    sourceId: row.sourceId,
    sourceName: row.source.name,
    input: row.input,
    state: row.state,
    phase: row.phase,
    complete: row.complete,
    itemsTotal: row.itemsTotal,
    itemsProcessed: row.itemsProcessed,
    itemsRead: row.itemsRead,
    itemsUnit: row.itemsUnit,
    counts: {
      new: row.newCount,
      updated: row.updatedCount,
      unchanged: row.unchangedCount,
      missing: row.missingCount,
      leaks: row.leakCount,
    },
    warningCount: row.warningCount,
    warnings: (row.warnings ?? []) as ScanWarningView[],
    progress: (row.progress ?? null) as ScanProgress | null,
    error: row.error,
    uploadName: row.uploadName,
    triggeredBy: { type: row.triggeredByType, id: row.triggeredById },
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
