import { Gauge, type Registry } from 'prom-client';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { QueueDepth } from '../jobs/job-queue.ts';

/** What the product holds and does, counted across realms (no realm label: cardinality and privacy). */
export interface BusinessFigures {
  identities: { kind: string; status: string; count: number }[];
  openAlerts: { severity: string; count: number }[];
  scans: { state: string; count: number }[];
  /** Finished scans of the last day: how long they ran, by source input. */
  scanSeconds: { input: string; state: string; count: number; sumSeconds: number; maxSeconds: number }[];
  notifications: { state: string; count: number }[];
  queues: QueueDepth[];
}

/** The figures are counted at most this often: a scrape every 15 s must not count 100k rows each time. */
const freshForMs = 60_000;
/** A first scrape waits this long for the count; later ones serve the last figures while it runs. */
const firstWaitMs = 2_000;

/**
 * Business gauges on /metrics: identities by kind and status, open alerts by severity, scans by
 * outcome with their durations, notification deliveries by outcome, and each job queue's depth
 * and oldest wait. Counted from the database, so every hub process reports the same figures and
 * they survive restarts; refreshed in the background, so a scrape never waits behind bulk work
 * on the embedded database once a first count exists.
 */
export class BusinessMetrics {
  private figures: BusinessFigures | null = null;
  private countedAt = Number.NEGATIVE_INFINITY;
  private counting: Promise<void> | null = null;

  constructor(
    registry: Registry,
    private readonly count: () => Promise<BusinessFigures>,
    private readonly now: () => number = Date.now,
  ) {
    const current = () => this.current();
    const define = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      fill: (set: (labels: Record<L, string>, value: number) => void, figures: BusinessFigures) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          const figures = await current();
          if (!figures) return;
          this.reset();
          fill((labels, value) => this.set(labels as never, value), figures);
        },
      });
    define('nhi_identities', 'Identities by kind and status', ['kind', 'status'], (set, f) => {
      for (const row of f.identities) set({ kind: row.kind, status: row.status }, row.count);
    });
    define('nhi_alerts_open', 'Open alerts by severity', ['severity'], (set, f) => {
      for (const row of f.openAlerts) set({ severity: row.severity }, row.count);
    });
    define(
      'nhi_scans',
      'Scans by state (succeeded, failed, cancelled: the outcomes)',
      ['state'],
      (set, f) => {
        for (const row of f.scans) set({ state: row.state }, row.count);
      },
    );
    define(
      'nhi_scan_duration_seconds_last_day',
      'Scans finished in the last 24 hours by input and outcome: count, sum and longest duration',
      ['input', 'state', 'stat'],
      (set, f) => {
        for (const row of f.scanSeconds) {
          set({ input: row.input, state: row.state, stat: 'count' }, row.count);
          set({ input: row.input, state: row.state, stat: 'sum' }, row.sumSeconds);
          set({ input: row.input, state: row.state, stat: 'max' }, row.maxSeconds);
        }
      },
    );
    define(
      'nhi_notifications',
      'Alert notifications by delivery state (delivered, pending, sending, dead)',
      ['state'],
      (set, f) => {
        for (const row of f.notifications) set({ state: row.state }, row.count);
      },
    );
    define(
      'nhi_job_queue_depth',
      'Jobs per queue and state (ready, deferred, active, failed)',
      ['queue', 'state'],
      (set, f) => {
        for (const queue of f.queues)
          for (const state of ['ready', 'deferred', 'active', 'failed'] as const)
            set({ queue: queue.name, state }, queue[state]);
      },
    );
    define(
      'nhi_job_queue_oldest_ready_seconds',
      'How long the oldest ready job of each queue has waited',
      ['queue'],
      (set, f) => {
        for (const queue of f.queues) set({ queue: queue.name }, queue.oldestReadySeconds);
      },
    );
  }

  /** The last figures, counting anew when they are stale; null only before a first count finished. */
  private async current(): Promise<BusinessFigures | null> {
    if (this.now() - this.countedAt >= freshForMs && !this.counting) {
      this.counting = this.count()
        .then((figures) => {
          this.figures = figures;
          this.countedAt = this.now();
        })
        // A failed count keeps the last figures; the next scrape tries again.
        .catch(() => undefined)
        .finally(() => {
          this.counting = null;
        });
    }
    if (!this.figures && this.counting)
      await Promise.race([this.counting, new Promise((resolve) => setTimeout(resolve, firstWaitMs).unref())]);
    return this.figures;
  }
}

/**
 * The figures, read across realms with the system client: metrics are the operator's, who runs the
 * hub for every realm, and name no realm.
 */
export function countBusinessFigures(
  database: PlatformDatabase,
  queueStats?: () => Promise<QueueDepth[]>,
): () => Promise<BusinessFigures> {
  const db = database.systemPrisma;
  return async () => {
    const dayAgo = new Date(Date.now() - 24 * 3600_000);
    const identities = await db.nhi.groupBy({ by: ['kind', 'status'], _count: { _all: true } });
    const openAlerts = await db.alert.groupBy({
      by: ['severity'],
      where: { state: 'open' },
      _count: { _all: true },
    });
    const scans = await db.scan.groupBy({ by: ['state'], _count: { _all: true } });
    const finished = await db.scan.findMany({
      where: { finishedAt: { gte: dayAgo }, startedAt: { not: null } },
      select: { input: true, state: true, startedAt: true, finishedAt: true },
    });
    const notifications = await db.alertNotification.groupBy({ by: ['state'], _count: { _all: true } });
    return {
      identities: identities.map((row) => ({ kind: row.kind, status: row.status, count: row._count._all })),
      openAlerts: openAlerts.map((row) => ({ severity: row.severity, count: row._count._all })),
      scans: scans.map((row) => ({ state: row.state, count: row._count._all })),
      scanSeconds: durations(finished),
      notifications: notifications.map((row) => ({ state: row.state, count: row._count._all })),
      queues: queueStats ? await queueStats() : [],
    };
  };
}

function durations(
  scans: { input: string; state: string; startedAt: Date | null; finishedAt: Date | null }[],
): BusinessFigures['scanSeconds'] {
  const byKey = new Map<string, BusinessFigures['scanSeconds'][number]>();
  for (const scan of scans) {
    if (!scan.startedAt || !scan.finishedAt) continue;
    const seconds = Math.max(0, (scan.finishedAt.getTime() - scan.startedAt.getTime()) / 1000);
    const key = `${scan.input}\u0000${scan.state}`;
    const row = byKey.get(key) ?? {
      input: scan.input,
      state: scan.state,
      count: 0,
      sumSeconds: 0,
      maxSeconds: 0,
    };
    row.count += 1;
    row.sumSeconds += seconds;
    row.maxSeconds = Math.max(row.maxSeconds, seconds);
    byKey.set(key, row);
  }
  return [...byKey.values()];
}
