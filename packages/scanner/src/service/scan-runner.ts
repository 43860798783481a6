import {
  analyzeTablesWrittenInBulk,
  cleanProviderData,
  cleanText,
  LOGGER,
  type Logger,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  publishDomainEvent,
  RealmDb,
  type RealmTx,
  SecretFingerprints,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { ScanProgress } from '../api/scanner.schema.ts';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  streamOf,
  UnreadableInputError,
} from '../connectors/connector.ts';
import { type ConnectorContext, connectorFor } from '../connectors/registry.ts';
import {
  type ReconcileCounts,
  reconcileIdentities,
  reconcileLooseFacts,
} from './reconcile/reconcile-identities.ts';
import { reconcileLeaks } from './reconcile/reconcile-leaks.ts';
import { ScannerSecrets } from './scanner-secrets.ts';

/**
 * Stores what a connector says of its reading's progress, at most once per interval: a report within
 * the interval waits for its end, and only the newest waiting report is written. flush() writes the
 * one still waiting, if any, and waits for the writes under way.
 */
function progressWriter(realmDb: RealmDb, scanId: string, intervalMs: number, log: Logger) {
  let waiting: ScanProgress | null = null;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  const write = () => {
    timer = undefined;
    const progress = waiting;
    waiting = null;
    if (!progress) return;
    lastWrite = Date.now();
    writes = writes
      .then(() =>
        realmDb.transaction((tx) =>
          tx.scan.update({
            where: { id: scanId },
            data: { progress: { ...progress } },
            select: { id: true },
          }),
        ),
      )
      // The progress is only shown: a failed write leaves the older one and the scan goes on.
      .catch((error: Error) => log.warn({ error: error.message }, 'scan progress not stored'));
  };
  return {
    report: (progress: ScanProgress) => {
      waiting = { ...progress, failed: [...progress.failed], reading: [...progress.reading] };
      if (timer) return;
      const wait = lastWrite + intervalMs - Date.now();
      if (wait <= 0) write();
      else timer = setTimeout(write, wait);
    },
    flush: async () => {
      clearTimeout(timer);
      write();
      await writes;
    },
  };
}

/**
 * The identities of a reading as the scan stores them, each cleaned as it is taken, counted in `count`.
 * Identities take the source's environment unless the connector knows better; people may change it later.
 */
function* cleanedIdentities(
  identities: Iterable<DiscoveredNhi>,
  environment: NonNullable<DiscoveredNhi['environment']>,
  count: { taken: number },
): Generator<DiscoveredNhi> {
  for (const nhi of identities) {
    const item = cleanProviderData(nhi);
    item.environment ??= environment;
    count.taken += 1;
    yield item;
  }
}

/** The first warnings are kept on the scan; the count has them all. */
export const keptWarnings = 200;

export interface ScanRunOptions {
  signal?: AbortSignal;
  /** Identities per transaction. */
  batchSize?: number;
  /** Least time between two writes of the reading's progress (default a second). */
  progressIntervalMs?: number;
}

export class ScanCancelledError extends Error {
  constructor() {
    super('The scan was cancelled');
  }
}

const terminal = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Runs one scan: reads its input with the connector, reconciles identities, facts and leaks batch by
 * batch, and keeps the Scan row's state, phase, progress and counts current. Runs as the
 * `scanner.scan` job; running it again after a crash continues where the committed batches end.
 */
@injectable()
export class ScanRunner {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(ScannerSecrets) private readonly secrets: ScannerSecrets,
    @inject(SecretFingerprints) private readonly fingerprints: SecretFingerprints,
  ) {}

  async run(realmId: string, scanId: string, options: ScanRunOptions = {}): Promise<void> {
    const realmDb = new RealmDb(this.db, realmId);
    const loaded = await realmDb.transaction(async (tx) => {
      const scan = await tx.scan.findUnique({
        where: { id: scanId },
        select: {
          state: true,
          input: true,
          complete: true,
          startedAt: true,
          cancelRequestedAt: true,
          uploadEncrypted: true,
          uploadName: true,
          triggeredByType: true,
          triggeredById: true,
          source: {
            select: { id: true, type: true, environment: true, settings: true, encryptedSecrets: true },
          },
        },
      });
      const realm = await tx.realm.findUnique({ where: { id: realmId }, select: { id: true, slug: true } });
      return scan && realm ? { scan, realm } : null;
    });
    if (!loaded || terminal.has(loaded.scan.state)) return;
    const { scan, realm } = loaded;
    const log = this.logger.child({ scanId, realmId, input: scan.input });
    if (scan.cancelRequestedAt) {
      await this.finish(realmDb, scanId, 'cancelled');
      return;
    }
    const startedAt = scan.startedAt ?? new Date();
    await realmDb.transaction((tx) =>
      tx.scan.update({
        where: { id: scanId },
        data: {
          state: 'running',
          phase: 'reading',
          startedAt,
          itemsProcessed: 0,
          itemsRead: null,
          itemsUnit: null,
          newCount: 0,
          updatedCount: 0,
          unchangedCount: 0,
          missingCount: 0,
          leakCount: 0,
          error: null,
        },
        select: { id: true },
      }),
    );
    const connector = connectorFor(scan.input);
    const reading = progressWriter(realmDb, scanId, options.progressIntervalMs ?? 1000, log);
    try {
      if (!connector || connector.sourceType !== scan.source.type)
        throw new UnreadableInputError(`A ${scan.source.type} source cannot read ${scan.input}`);
      const upload = scan.uploadEncrypted ? await this.secrets.decrypt(scan.uploadEncrypted) : null;
      if (connector.needsUpload && !upload) throw new UnreadableInputError('The scan has no uploaded file');
      const context: ConnectorContext = {
        settings: (scan.source.settings ?? {}) as Record<string, unknown>,
        secrets: scan.source.encryptedSecrets
          ? await this.secrets.decryptJson(scan.source.encryptedSecrets)
          : {},
        fingerprint: (secret) => this.fingerprints.fingerprint(secret),
        signal: options.signal ?? new AbortController().signal,
        uploadName: scan.uploadName,
        progress: reading.report,
      };
      const stream = connector.stream
        ? await connector.stream(upload, context)
        : streamOf(await connector.read(upload, context));
      // Provider data is cleaned, not refused: one odd name or date must not fail the scan (ADR 0023).
      const output = cleanProviderData(stream.output);
      await reading.flush();
      const identities = { taken: 0 };
      await this.recordRead(realmDb, scanId, output, stream.expected);
      const checkpoint = async () => {
        if (options.signal?.aborted) throw new ScanCancelledError();
        const current = await realmDb.transaction((tx) =>
          tx.scan.findUnique({ where: { id: scanId }, select: { cancelRequestedAt: true } }),
        );
        if (current?.cancelRequestedAt) throw new ScanCancelledError();
      };
      const plan = {
        realmDb,
        sync: {
          context: {
            realm,
            principal: { kind: 'system' as const, name: `scan:${scanId}` },
            requestId: scanId,
          },
          sourceType: `scan:${scan.source.type}`,
          sourceRef: scan.source.id,
          seenAt: startedAt,
        },
        sourceId: scan.source.id,
        scanId,
        input: scan.input,
        complete: scan.complete,
        externalIdPrefix: output.externalIdPrefix,
        unreadExternalIdPrefixes: output.unreadExternalIdPrefixes,
        unreadExternalIdSuffixes: output.unreadExternalIdSuffixes,
        unreadFactResources: output.unreadFactResources,
        namesOthers: output.namesOthers,
        factKinds: connector.factKinds,
        batchSize: options.batchSize ?? 1000,
        writers: this.db.kind === 'postgres' ? 2 : 1,
        checkpoint,
        progress: (tx: RealmTx, processed: number, counts: ReconcileCounts) =>
          this.progress(tx, scanId, processed, counts),
      };
      const warningsRead = output.warnings.length;
      const counts = await reconcileIdentities(
        plan,
        cleanedIdentities(stream.identities, scan.source.environment, identities),
      );
      // A stream knows its warnings, and how many identities it made, once they are all taken.
      if (identities.taken !== stream.expected || output.warnings.length !== warningsRead) {
        cleanProviderData(output.warnings);
        await this.recordRead(realmDb, scanId, output, identities.taken);
      }
      await reconcileLooseFacts(plan, output.looseFacts);
      let leaks = 0;
      if (output.leaks.length > 0 || connector.sourceType === 'secrets') {
        await realmDb.transaction((tx) =>
          tx.scan.update({ where: { id: scanId }, data: { phase: 'leaks' }, select: { id: true } }),
        );
        leaks = await reconcileLeaks(plan, output.leaks);
        await realmDb.transaction((tx) =>
          tx.scan.update({
            where: { id: scanId },
            data: { leakCount: leaks, itemsProcessed: identities.taken + output.leaks.length },
            select: { id: true },
          }),
        );
      }
      await this.finish(realmDb, scanId, 'succeeded');
      log.info({ ...counts }, 'scan succeeded');
      // After the commit, outside any transaction: the evaluation and the lists that follow a large
      // scan are planned on the identities it wrote, not on the statistics of an emptier table.
      // Rows per table the scan wrote: an authorization export, for one, writes no credentials.
      const stored = counts.new + counts.updated + counts.missing;
      await analyzeTablesWrittenInBulk(
        this.db,
        {
          Nhi: stored,
          // A new identity's first version is its row itself: versions are written for changes.
          NhiVersion: counts.updated + counts.missing,
          SourceItem: stored,
          Credential: counts.credentials,
          ScanFact: counts.facts + output.looseFacts.length,
          Leak: leaks,
        },
        log,
      );
    } catch (error) {
      await reading.flush();
      if (error instanceof ScanCancelledError) {
        await this.finish(realmDb, scanId, 'cancelled');
        log.info('scan cancelled');
        return;
      }
      const message = cleanText(error instanceof Error ? error.message : String(error));
      await this.finish(realmDb, scanId, 'failed', message);
      // The message names the input's problem; the input itself (possibly holding secrets) is never logged.
      log.warn({ error: message }, 'scan failed');
    }
  }

  /** What the input held; `identities` is how many identities it made (at most, while they are taken). */
  private async recordRead(realmDb: RealmDb, scanId: string, output: ConnectorOutput, identities: number) {
    await realmDb.transaction((tx) =>
      tx.scan.update({
        where: { id: scanId },
        data: {
          phase: 'reconciling',
          itemsTotal: identities + output.leaks.length,
          // What the input held, not what became identities: a cluster's roles and bindings were read too.
          itemsRead: output.read?.count ?? identities + output.leaks.length,
          itemsUnit: output.read?.unit ?? 'items',
          warningCount: output.warnings.length,
          warnings: output.warnings.slice(0, keptWarnings).map((w) => ({ item: w.item, message: w.message })),
        },
        select: { id: true },
      }),
    );
  }

  private async progress(tx: RealmTx, scanId: string, processed: number, counts: ReconcileCounts) {
    await tx.scan.update({
      where: { id: scanId },
      data: {
        itemsProcessed: processed,
        newCount: counts.new,
        updatedCount: counts.updated,
        unchangedCount: counts.unchanged,
        missingCount: counts.missing,
      },
      select: { id: true },
    });
  }

  /** Ends the scan and erases its upload: uploads may hold secrets, kept only while needed. */
  private async finish(
    realmDb: RealmDb,
    scanId: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    error?: string,
  ) {
    await realmDb.transaction(async (tx) => {
      await tx.scan.update({
        where: { id: scanId },
        data: { state, phase: null, error: error ?? null, finishedAt: new Date(), uploadEncrypted: null },
        select: { id: true },
      });
      // Even a failed or cancelled scan may have committed batches: whatever it changed is judged again.
      await publishDomainEvent(tx, 'scan.finished', [scanId]);
    });
  }
}
