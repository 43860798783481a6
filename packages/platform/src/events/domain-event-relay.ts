import type { PlatformDatabase } from '../database/platform-database.ts';
import { RealmDb } from '../database/realm-db.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logging/logger.ts';
import { untraced } from '../tracing/spans.ts';

/** The payload of a job subscribed to domain events: the realm and the subjects of the events. */
export interface DomainEventJobPayload {
  realmId: string;
  types: string[];
  subjectIds: string[];
}

export interface DomainEventRelayOptions {
  /** How often the relay looks for new events. Default 1 s. */
  intervalMs?: number;
  /** Events read per realm and round. Default 1000. */
  batchSize?: number;
  /** Events of a type nobody subscribed to are dropped after this long. Default 1 day. */
  unclaimedTtlMs?: number;
}

/**
 * Moves domain events from the outbox table to the job queue: per realm and round, one job per
 * subscribed job name with the union of the events' subjects, then deletes the events. A crash
 * between the two repeats the jobs (at least once); subscribers are idempotent. Events of a type
 * nobody subscribed to stay until a subscriber registers (a process may start its domains after
 * the relay), or until they are a day old.
 */
export class DomainEventRelay {
  private readonly subscriptions = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly options: Required<DomainEventRelayOptions>;

  constructor(
    private readonly database: PlatformDatabase,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
    options: DomainEventRelayOptions = {},
  ) {
    this.options = { intervalMs: 1000, batchSize: 1000, unclaimedTtlMs: 86_400_000, ...options };
  }

  /** Each event of `type` leads to a `jobName` job (payload: DomainEventJobPayload). */
  subscribe(type: string, jobName: string): void {
    let names = this.subscriptions.get(type);
    if (!names) {
      names = new Set();
      this.subscriptions.set(type, names);
    }
    names.add(jobName);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      // A round every second: traced, it would be a trace a second. The jobs it queues are traced.
      this.running = untraced(() => this.relayOnce())
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'domain event relay failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round over every realm with pending events; returns the number of jobs enqueued. */
  async relayOnce(): Promise<number> {
    // System code: only which realms have events is read across realms; the events themselves
    // are read and deleted through each realm's RealmDb.
    // A realm being moved keeps its events: they travel with it and are relayed where it lands.
    const realms = await this.database.systemPrisma.$queryRaw<{ realmId: string }[]>`
      SELECT DISTINCT "realmId" FROM "DomainEvent"
      WHERE "realmId" NOT IN (SELECT id FROM "Realm" WHERE "movingSince" IS NOT NULL)`;
    let enqueued = 0;
    for (const { realmId } of realms) enqueued += await this.relayRealm(realmId);
    return enqueued;
  }

  private async relayRealm(realmId: string): Promise<number> {
    const realmDb = new RealmDb(this.database, realmId);
    const events = await realmDb.transaction((tx) =>
      tx.domainEvent.findMany({
        orderBy: { createdAt: 'asc' },
        take: this.options.batchSize,
        select: { id: true, type: true, subjectIds: true, createdAt: true },
      }),
    );
    const perJob = new Map<string, { types: Set<string>; subjects: Set<string> }>();
    const done: string[] = [];
    const expiry = Date.now() - this.options.unclaimedTtlMs;
    for (const event of events) {
      const names = this.subscriptions.get(event.type);
      if (!names || names.size === 0) {
        if (event.createdAt.getTime() < expiry) done.push(event.id);
        continue;
      }
      for (const name of names) {
        let job = perJob.get(name);
        if (!job) {
          job = { types: new Set(), subjects: new Set() };
          perJob.set(name, job);
        }
        job.types.add(event.type);
        for (const id of event.subjectIds) job.subjects.add(id);
      }
      done.push(event.id);
    }
    // Enqueued outside the read transaction: on PGlite the queue shares the one connection.
    for (const [name, job] of perJob) {
      await this.jobs.enqueue<DomainEventJobPayload>(name, {
        realmId,
        types: [...job.types],
        subjectIds: [...job.subjects],
      });
    }
    if (done.length > 0)
      await realmDb.transaction((tx) => tx.domainEvent.deleteMany({ where: { id: { in: done } } }));
    return perJob.size;
  }
}
