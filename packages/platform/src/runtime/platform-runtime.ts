import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { ensureFirstStart } from '../auth/first-start.ts';
import { registerForwardedCalls } from '../auth/forwarded-calls.ts';
import { registerAuth, SigningKeys } from '../auth/index.ts';
import { type Config, loadConfig } from '../config/config.ts';
import { systemClock } from '../context/request-context.ts';
import { applyMigrations } from '../database/migrate.ts';
import { openDatabase } from '../database/open-database.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { findUnisolatedRealmTables } from '../database/realm-isolation-check.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { createRootContainer } from '../di/container.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import { DomainEventRelay } from '../events/domain-event-relay.ts';
import { DOMAIN_EVENT_RELAY } from '../events/tokens.ts';
import { registerFingerprints } from '../fingerprints/register-fingerprints.ts';
import { realmJobGate } from '../instances/served-here.ts';
import { JobQueue, type JobQueueOptions } from '../jobs/job-queue.ts';
import { JOB_QUEUE } from '../jobs/tokens.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { BusinessMetrics, countBusinessFigures } from '../metrics/business-metrics.ts';
import { HUB_METRICS, HubMetrics } from '../metrics/metrics.ts';
import { closeRedis, openRedis, REDIS } from '../redis/redis-client.ts';
import { inSpan } from '../tracing/spans.ts';
import { traceDatabase } from '../tracing/traced-database.ts';
import { startTracing, type Tracing } from '../tracing/tracing.ts';
import { type DomainDefinition, registerDomainJobs, registerDomainServices } from './domain.ts';

export interface PlatformRuntime {
  root: DependencyContainer;
  config: Config;
  logger: Logger;
  database: PlatformDatabase;
  metrics: HubMetrics;
  /** Present when started with `jobs`; domains register their job handlers on it. */
  jobs?: JobQueue;
  /** Present with `jobs`: domains subscribe their jobs to other domains' events on it. */
  events?: DomainEventRelay;
  /** Present when started with `tracing` and an OTLP endpoint is configured; shutdown flushes it. */
  tracing?: Tracing;
  /**
   * Stops the jobs and closes the database within timeoutMs (default 15 s): jobs still running
   * when their share is up are failed (retried later) and their statements cancelled.
   */
  shutdown(options?: { timeoutMs?: number }): Promise<void>;
}

/** Kept from a shutdown's time for closing the connections once the jobs have stopped. */
const closeReserveMs = 1000;

export interface StartOptions {
  config?: Config;
  logger?: Logger;
  /** The CLI migrates on its own command; the hub migrates on start unless told not to. */
  migrate?: boolean;
  /** Create the `hub` realm and its first admin on an empty database. Default: on a hub, not on a worker. */
  firstStart?: boolean;
  /** Where the one-time notice with a generated admin password goes (stdout by default). */
  printFirstStartNotice?: (text: string) => void;
  /**
   * Domain registrations run on the root container after the platform's own, e.g. the policy
   * domain putting its decisions behind PERMISSION_RESOLVER.
   */
  modules?: readonly ((root: DependencyContainer) => void)[];
  /**
   * The domains this process serves: their services join the root container with the modules,
   * and, when it runs jobs, their jobs are registered before the runtime is handed back.
   */
  domains?: readonly DomainDefinition[];
  /** Start the durable job queue (background scans, alert evaluation) in this process. */
  jobs?: JobQueueOptions;
  /**
   * Export traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/operations/tracing.md): the hub and
   * its workers do. Default off: CLI commands and tests do not trace.
   */
  tracing?: boolean;
}

/**
 * Opens the database, brings its schema up to date and wires the root container.
 * Everything a hub process or a CLI command needs, in the order they need it.
 */
export async function startPlatform(options: StartOptions = {}): Promise<PlatformRuntime> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const tracing = options.tracing ? await startTracing() : undefined;
  const opened = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.dataDir,
    logger,
    statementTimeouts: {
      requestMs: config.NHI_REQUEST_STATEMENT_TIMEOUT_MS,
      jobMs: config.NHI_JOB_STATEMENT_TIMEOUT_MS,
    },
  });
  const database = tracing ? traceDatabase(opened) : opened;
  let started: PlatformRuntime | undefined;
  const redis = config.REDIS_URL ? openRedis(config.REDIS_URL, logger) : undefined;
  try {
    // The first statement: a database that cannot be reached (or refuses TLS) stops the start with its reason.
    await database.ping();
    if (options.migrate ?? config.NHI_MIGRATE_ON_START) {
      // One trace for the whole migration instead of a root span per statement.
      await inSpan('migrate', {}, () => applyMigrations(database, { logger }));
      const unisolated = await findUnisolatedRealmTables(database);
      if (unisolated.length > 0) {
        throw new Error(
          `Refusing to start: realm tables without row-level security: ${JSON.stringify(unisolated)}`,
        );
      }
    }
    const root = createRootContainer();
    root.register(CONFIG, { useValue: config });
    root.register(LOGGER, { useValue: logger });
    root.register(CLOCK, { useValue: systemClock });
    root.register(PLATFORM_DATABASE, { useValue: database });
    if (redis) root.register(REDIS, { useValue: redis });
    registerAuth(root);
    registerForwardedCalls(root, config);
    registerFingerprints(root);
    for (const register of options.modules ?? []) register(root);
    registerDomainServices(root, options.domains ?? []);
    // Fail at start-up, not at the first login, when configured keys are unusable.
    await root.resolve(SigningKeys).load();
    // A worker has no users of its own: people log in to the hub, which forwards their calls.
    if (options.firstStart ?? config.NHI_MODE === 'hub')
      await ensureFirstStart(database, config, logger, { print: options.printFirstStartNotice });
    const jobs = options.jobs
      ? new JobQueue(database.jobStore, logger, {
          realmGate: (realmId) => realmJobGate(database, realmId),
          ...options.jobs,
        })
      : undefined;
    const metrics = new HubMetrics(
      database.poolStats ? () => database.poolStats?.() : undefined,
      jobs ? () => jobs.activeJobs() : undefined,
      () => databaseAnswers(database),
    );
    root.register(HUB_METRICS, { useValue: metrics });
    new BusinessMetrics(
      metrics.registry,
      countBusinessFigures(database, jobs ? () => jobs.queueStats() : undefined),
    );
    if (jobs) {
      await jobs.start();
      root.register(JOB_QUEUE, { useValue: jobs });
    }
    const events =
      jobs && options.jobs?.work !== false ? new DomainEventRelay(database, jobs, logger) : undefined;
    if (events) {
      root.register(DOMAIN_EVENT_RELAY, { useValue: events });
      events.start();
    }
    let closed = false;
    started = {
      root,
      config,
      logger,
      database,
      metrics,
      jobs,
      events,
      tracing,
      async shutdown(shutdownOptions = {}) {
        if (closed) return;
        closed = true;
        const deadline = Date.now() + (shutdownOptions.timeoutMs ?? 15_000);
        await events?.stop();
        // Active jobs may finish while time is left; then they are failed, to be retried, and their
        // signals abort, which cancels their statements (runAsWork) before the connections close.
        await jobs?.stop(Math.max(0, deadline - Date.now() - closeReserveMs));
        await database.close();
        if (redis) await closeRedis(redis);
        // Last: the spans of the shutdown itself (jobs stopping, the last statements) go out too.
        await tracing?.shutdown();
      },
    };
    await registerDomainJobs(started, options.domains ?? []);
    return started;
  } catch (error) {
    // Once the queue runs, its shutdown closes the database after stopping it.
    if (started) await started.shutdown();
    else {
      await database.close();
      if (redis) await closeRedis(redis);
    }
    throw error;
  }
}

let hubRuntime: Promise<PlatformRuntime> | undefined;

/** The hub process's runtime, started once on first use (the options of the first call count). */
export function getHubRuntime(options: StartOptions = {}): Promise<PlatformRuntime> {
  hubRuntime ??= startPlatform({ tracing: true, ...options });
  return hubRuntime;
}

/** How long a scrape waits for the database's answer before it reports the database down. */
const databaseProbeMs = 2_000;

/**
 * Whether the database answers now. The embedded database at work on a long statement answers
 * late but is not lost: that counts as up, as /readyz says.
 */
async function databaseAnswers(database: PlatformDatabase): Promise<boolean> {
  if (database.busy?.()) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), databaseProbeMs);
  });
  try {
    return await Promise.race([database.ping().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
