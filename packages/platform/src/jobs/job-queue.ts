import { fromPglite, PgBoss } from 'pg-boss';
import type { JobStore } from '../database/platform-database.ts';
import { runAsWork } from '../database/work-scope.ts';
import type { Logger } from '../logging/logger.ts';
import { inSpan, tracingActive } from '../tracing/spans.ts';

/** Every job belongs to a realm: handlers open a RealmDb for payload.realmId, never a system client. */
export interface JobPayload {
  realmId: string;
}

export interface RunningJob<P extends JobPayload> {
  id: string;
  name: string;
  payload: P;
  /** Aborted when the queue stops or the job expires; long handlers check it between batches. */
  signal: AbortSignal;
  /** 0 on the first attempt. */
  retryCount: number;
}

export type JobHandler<P extends JobPayload> = (job: RunningJob<P>) => Promise<void>;

export interface JobOptions {
  /** Jobs of this name that run at once in this process. Default 1. */
  concurrency?: number;
  /** Retries after a failure (a thrown error or a crashed process). Default 2. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** A job active this long is taken as dead and retried. Default 1 hour. */
  expireInSeconds?: number;
  /**
   * The worker proves it is alive this often (>= 10); a job whose worker died (kill -9, power loss)
   * is retried after this long instead of after expireInSeconds. Default: no heartbeat.
   */
  heartbeatSeconds?: number;
}

export interface EnqueueOptions {
  startAfter?: Date;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface QueueDepth {
  name: string;
  ready: number;
  deferred: number;
  active: number;
  failed: number;
  /** 0 when nothing waits. */
  oldestReadySeconds: number;
}

export interface JobQueueOptions {
  /** false: this process only enqueues; another process runs the handlers. Default true. */
  work?: boolean;
  /** Idle polling interval; LISTEN/NOTIFY wakes workers earlier. Default 2 s. */
  pollingIntervalSeconds?: number;
  /** Run the cron schedules in this process. Default true. */
  schedule?: boolean;
  /** How often jobs of dead workers are looked for. Default 60 s. */
  superviseIntervalSeconds?: number;
  /**
   * Whether a job of the realm may run in this process's database now: `skip` for a realm whose
   * data is elsewhere (placed on a worker, or moved away), `hold` while a move copies it (the job
   * is sent again for later). Unset: every job runs.
   */
  realmGate?: (realmId: string) => Promise<RealmJobGate>;
  /** How long a held job waits before it is tried again. Default 30 s. */
  holdSeconds?: number;
}

export type RealmJobGate = 'run' | 'hold' | 'skip';

const SCHEMA = 'pgboss';

interface Registration {
  handler: JobHandler<JobPayload>;
  options: JobOptions;
}

/**
 * The platform's durable job queue, on pg-boss in the hub's own database: PostgreSQL, or the
 * embedded PGlite instance (jobs then run inside the hub process). Domains register a handler per
 * job name, enqueue jobs for a realm, and attach cron schedules; the runtime starts and stops it.
 */
export class JobQueue {
  private readonly boss: PgBoss;
  private readonly registrations = new Map<string, Registration>();
  private readonly running = new Map<string, number>();
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(
    store: JobStore,
    private readonly logger: Logger,
    private readonly options: JobQueueOptions = {},
  ) {
    const common = {
      schema: SCHEMA,
      schedule: options.schedule ?? true,
      useListenNotify: true,
      registerInstance: false,
      persistWarnings: false,
      // pg-boss spans its sends and runs itself; with tracing on, a job carries the trace of the
      // request that queued it, so a scan started from the page is one trace with its request.
      openTelemetry: { enabled: tracingActive(), propagateContext: tracingActive() },
      // pg-boss rejects keys present with an undefined value.
      ...(options.superviseIntervalSeconds
        ? { superviseIntervalSeconds: options.superviseIntervalSeconds }
        : {}),
    };
    this.boss =
      store.kind === 'pglite'
        ? new PgBoss({ ...common, db: fromPglite(store.pglite), backend: 'pglite' })
        : new PgBoss({ ...common, connectionString: store.connectionString, max: 4 });
    this.boss.on('error', (error: unknown) => this.logger.error({ err: error }, 'job queue error'));
  }

  get started(): boolean {
    return this.state === 'started';
  }

  /** Handlers running in this process right now, by job name (for metrics: no database read). */
  activeJobs(): ReadonlyMap<string, number> {
    return this.running;
  }

  /** Installs or migrates the queue's schema and starts the workers of every registered job. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`Job queue is ${this.state}`);
    await this.boss.start();
    this.state = 'started';
    for (const [name, registration] of this.registrations) await this.activate(name, registration);
  }

  /** Declares the handler of a job name; before start() it waits, after it works at once. */
  async register<P extends JobPayload>(name: string, handler: JobHandler<P>, options: JobOptions = {}) {
    if (this.registrations.has(name)) throw new Error(`Job ${name} already has a handler`);
    const registration = { handler: handler as JobHandler<JobPayload>, options };
    this.registrations.set(name, registration);
    if (this.state === 'started') await this.activate(name, registration);
  }

  async enqueue<P extends JobPayload>(
    name: string,
    payload: P,
    options: EnqueueOptions = {},
  ): Promise<string> {
    this.assertPayload(payload);
    await this.ensureQueue(name);
    const id = await this.boss.send(name, payload, { startAfter: options.startAfter });
    if (!id) throw new Error(`The job queue did not accept a ${name} job`);
    return id;
  }

  /**
   * Enqueues `name` with `payload` on every tick of `cron` (UTC unless tz is given). `key` tells
   * schedules of one job name apart (e.g. one per source); scheduling the same key again replaces it.
   */
  async schedule<P extends JobPayload>(name: string, key: string, cron: string, payload: P, tz?: string) {
    this.assertPayload(payload);
    await this.ensureQueue(name);
    await this.boss.schedule(name, cron, payload, { key, tz });
  }

  async unschedule(name: string, key: string): Promise<void> {
    await this.boss.unschedule(name, key);
  }

  async schedules(name: string): Promise<{ key: string; cron: string; payload: unknown }[]> {
    const found = await this.boss.getSchedules(name);
    return found.map((item) => ({ key: item.key, cron: item.cron, payload: item.data }));
  }

  /** Stops a queued job from starting; an active one sees its signal aborted on its next check. */
  async cancel(name: string, id: string): Promise<void> {
    await this.boss.cancel(name, id);
  }

  /**
   * Each queue's depth as pg-boss last counted it (ready, deferred, active, failed) and how long
   * its oldest ready job has waited: what an operator alerts on when work piles up.
   */
  async queueStats(now = new Date()): Promise<QueueDepth[]> {
    // pg-boss's own queues (`__pgboss__…`) are its plumbing, not the product's work.
    const queues = (await this.boss.getQueues()).filter((queue) => !queue.name.startsWith('__pgboss__'));
    return Promise.all(
      queues.map(async (queue) => {
        const [oldest] =
          queue.readyCount > 0 ? await this.boss.findJobs(queue.name, { queued: true, limit: 1 }) : [];
        return {
          name: queue.name,
          ready: queue.readyCount,
          deferred: queue.deferredCount,
          active: queue.activeCount,
          failed: queue.failedCount,
          oldestReadySeconds: oldest ? Math.max(0, (now.getTime() - oldest.createdOn.getTime()) / 1000) : 0,
        };
      }),
    );
  }

  async jobState(name: string, id: string): Promise<JobState | undefined> {
    const job = await this.boss.getJobById(name, id);
    return job?.state;
  }

  /** Lets active jobs finish (up to timeoutMs) and closes the queue's connections. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    await this.boss.stop({ graceful: true, timeout: timeoutMs, close: true });
  }

  private async activate(name: string, registration: Registration) {
    const { handler, options } = registration;
    await this.ensureQueue(name, options);
    if (this.options.work === false) return;
    await this.boss.work<JobPayload>(
      name,
      {
        localConcurrency: options.concurrency ?? 1,
        batchSize: 1,
        pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2,
        // Retries and delayed jobs send no NOTIFY: the backstop poll is what starts them.
        notifyPollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 2,
      },
      async ([job]) => {
        if (!job) return;
        if (await this.heldOrSkipped(name, job.data)) return;
        // A span per run (scans, evaluations, deliveries), inside pg-boss's own `process` span:
        // its statements and outbound calls are its children, its log lines carry its trace id.
        await inSpan(
          `job ${name}`,
          { attributes: { 'nhi.job.name': name, 'nhi.realm.id': job.data.realmId } },
          () => this.runJob(name, handler, job),
        );
      },
    );
  }

  private async runJob(
    name: string,
    handler: JobHandler<JobPayload>,
    job: { id: string; name: string; data: JobPayload; signal: AbortSignal; retryCount: number },
  ) {
    const started = Date.now();
    this.running.set(name, (this.running.get(name) ?? 0) + 1);
    try {
      // Job work: the jobs' statement timeout, and statements cancelled when the job is stopped.
      await runAsWork({ kind: 'job', signal: job.signal }, () =>
        handler({
          id: job.id,
          name: job.name,
          payload: job.data,
          signal: job.signal,
          retryCount: job.retryCount,
        }),
      );
      this.logger.debug({ job: name, jobId: job.id, ms: Date.now() - started }, 'job completed');
    } catch (error) {
      this.logger.warn({ err: error, job: name, jobId: job.id }, 'job failed');
      throw error;
    } finally {
      this.running.set(name, (this.running.get(name) ?? 1) - 1);
    }
  }

  /** True when the realm gate says the job does not run now (sent again for later when held). */
  private async heldOrSkipped(name: string, payload: JobPayload): Promise<boolean> {
    const gate = this.options.realmGate ? await this.options.realmGate(payload.realmId) : 'run';
    if (gate === 'run') return false;
    if (gate === 'hold') await this.boss.send(name, payload, { startAfter: this.options.holdSeconds ?? 30 });
    this.logger.debug({ job: name, realmId: payload.realmId, gate }, 'job not run for its realm');
    return true;
  }

  private readonly known = new Set<string>();

  private async ensureQueue(name: string, options?: JobOptions) {
    const wanted = {
      notify: true,
      retryLimit: options?.retryLimit ?? 2,
      retryDelay: options?.retryDelaySeconds ?? 5,
      expireInSeconds: options?.expireInSeconds ?? 3600,
      ...(options?.heartbeatSeconds ? { heartbeatSeconds: options.heartbeatSeconds } : {}),
    };
    if (!this.known.has(name)) {
      const existing = await this.boss.getQueue(name);
      if (!existing) await this.boss.createQueue(name, wanted);
      this.known.add(name);
      if (!existing || !options) return;
    }
    if (options) await this.boss.updateQueue(name, wanted);
  }

  private assertPayload(payload: JobPayload) {
    if (typeof payload?.realmId !== 'string' || payload.realmId === '')
      throw new Error('A job payload needs the realmId it works in');
  }
}
