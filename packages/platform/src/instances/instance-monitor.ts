import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import { NotFoundError } from '../errors/domain-errors.ts';
import type { Logger } from '../logging/logger.ts';
import { HUB_METRICS, type HubMetrics } from '../metrics/metrics.ts';
import { untraced } from '../tracing/spans.ts';
import type { InstanceStatus } from './instance-registry.ts';
import { InstanceSync } from './instance-sync.ts';

/** An instance slower than this to say it is ready is as good as down for the calls forwarded to it. */
export const heartbeatTimeoutMs = 3000;

/** What one heartbeat found and recorded for one instance. */
export interface InstanceCheck {
  name: string;
  baseUrl: string;
  /** The instance answered its /readyz with 200. */
  up: boolean;
  /** Its status after the check: an instance set `draining` stays so whatever it answers. */
  status: InstanceStatus;
  version: string | null;
  lastHeartbeatAt: Date | null;
  /** Why it counts as down: the HTTP status it answered, or why it did not answer. */
  problem?: string;
}

type Probe = { up: true; version: string | null } | { up: false; problem: string };

const monitoredColumns = {
  id: true,
  name: true,
  baseUrl: true,
  status: true,
  version: true,
  lastHeartbeatAt: true,
} as const;

interface MonitoredInstance {
  id: string;
  name: string;
  baseUrl: string;
  status: InstanceStatus;
  version: string | null;
  lastHeartbeatAt: Date | null;
}

/**
 * The hub's heartbeat of its worker instances: every NHI_INSTANCE_HEARTBEAT_SECONDS it asks each
 * one's /readyz, in parallel, and records the answer in the registry (status, heartbeat, version)
 * and on the `nhi_instance_up` gauge. Status `draining` is the operator's and is never overwritten.
 */
@injectable()
export class InstanceMonitor {
  /** Reachability this process last saw, by instance id: a transition is logged once, not every round. */
  private readonly seen = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private running = false;
  private failing = false;
  /** Aborts the probes of a round under way when stop() is called, so shutdown does not wait on them. */
  private stopping = new AbortController();

  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(CONFIG) private readonly config: Config,
    @inject(HUB_METRICS) private readonly metrics: HubMetrics,
    @inject(InstanceSync) private readonly sync: InstanceSync,
  ) {}

  /** Checks at once, then every NHI_INSTANCE_HEARTBEAT_SECONDS until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.schedule(0);
  }

  /**
   * Ends the loop. The probes of a round under way are abandoned; its writes already started finish,
   * so the database is not closed under them.
   */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.stopping.abort();
    await this.round;
  }

  /** Checks every registered instance, or the one named, now; records and returns what it found. */
  async check(name?: string): Promise<InstanceCheck[]> {
    return this.checkRound(undefined, name);
  }

  /** A round abandoned (signal aborted) records nothing: stopping the hub says nothing of the instances. */
  private async checkRound(abandoned: AbortSignal | undefined, name?: string): Promise<InstanceCheck[]> {
    const instances = await this.db.systemPrisma.instance.findMany({
      where: name === undefined ? {} : { name },
      select: monitoredColumns,
      orderBy: { name: 'asc' },
    });
    if (name !== undefined && instances.length === 0) throw new NotFoundError('Instance', name);
    const checks = await allSettled(instances.map((instance) => this.checkOne(instance, abandoned)));
    if (name === undefined) {
      this.forgetAllBut(instances);
      this.metrics.retainInstances(instances.map((instance) => instance.name));
    }
    return checks;
  }

  // Chained timeouts rather than an interval: a slow round never overlaps the next one.
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      // Not traced: a trace per heartbeat would bury the ones of requests and jobs.
      this.round = untraced(() => this.safeRound()).finally(() => {
        this.round = undefined;
        if (this.running) this.schedule(this.config.NHI_INSTANCE_HEARTBEAT_SECONDS * 1000);
      });
    }, delayMs);
    // The heartbeat alone keeps no process alive.
    this.timer.unref();
  }

  /** A failed round (the database away) is logged when failures start, and the loop goes on. */
  private async safeRound(): Promise<void> {
    try {
      await this.checkRound(this.stopping.signal);
      if (this.failing) this.logger.info('instance heartbeats recorded again');
      this.failing = false;
    } catch (error) {
      if (!this.running) return;
      if (!this.failing) this.logger.warn({ err: error }, 'instance heartbeat round failed');
      this.failing = true;
    }
  }

  private async checkOne(instance: MonitoredInstance, abandoned?: AbortSignal): Promise<InstanceCheck> {
    const probe = await probeReadiness(instance.baseUrl, abandoned);
    abandoned?.throwIfAborted();
    if (this.logTransition(instance, probe)) this.catchUp(instance.name);
    // At once, not after the round: a slow instance does not hold back the others' state.
    this.metrics.setInstanceUp(instance.name, probe.up);
    const { name, baseUrl } = instance;
    if (!probe.up) {
      const status = await this.recordDown(instance);
      const { version, lastHeartbeatAt } = instance;
      return { name, baseUrl, up: false, status, version, lastHeartbeatAt, problem: probe.problem };
    }
    const lastHeartbeatAt = this.clock.now();
    const status = await this.recordUp(instance, probe.version, lastHeartbeatAt);
    return { name, baseUrl, up: true, status, version: probe.version, lastHeartbeatAt };
  }

  /** Conditional updates: an operator's `draining`, even one set during the probe, stays. */
  private async recordUp(
    instance: MonitoredInstance,
    version: string | null,
    at: Date,
  ): Promise<InstanceStatus> {
    const instances = this.db.systemPrisma.instance;
    const heartbeat = { lastHeartbeatAt: at, version };
    const activated = await instances.updateMany({
      where: { id: instance.id, status: { not: 'draining' } },
      data: { ...heartbeat, status: 'active' },
    });
    if (activated.count > 0) return 'active';
    await instances.updateMany({ where: { id: instance.id }, data: heartbeat });
    return 'draining';
  }

  private async recordDown(instance: MonitoredInstance): Promise<InstanceStatus> {
    await this.db.systemPrisma.instance.updateMany({
      where: { id: instance.id, status: 'active' },
      data: { status: 'down' },
    });
    return instance.status === 'draining' ? 'draining' : 'down';
  }

  /** Logs a change of reachability; true when the instance has come up (or is first seen up here). */
  private logTransition(instance: MonitoredInstance, probe: Probe): boolean {
    const first = !this.seen.has(instance.id);
    const before = this.seen.get(instance.id) ?? reachabilityOnRecord(instance);
    this.seen.set(instance.id, probe.up);
    if (before !== probe.up) {
      if (probe.up) this.logger.info({ instance: instance.name, version: probe.version }, 'instance up');
      else this.logger.warn({ instance: instance.name, problem: probe.problem }, 'instance down');
    }
    return probe.up && (first || before !== probe.up);
  }

  /**
   * An instance back (or seen for the first time by this hub process) may have missed membership
   * changes while away: it gets its realms' whole state again. In the background: a slow sync
   * does not hold back the heartbeat, and a failed one is logged by the sync and retried at the
   * next comeback or `nhi instance sync`.
   */
  private catchUp(name: string): void {
    if (!this.running) return;
    void this.sync.syncInstance(name).catch((error) => {
      this.logger.warn({ instance: name, err: error }, 'instance catch-up sync failed');
    });
  }

  private forgetAllBut(instances: readonly MonitoredInstance[]): void {
    const registered = new Set(instances.map((instance) => instance.id));
    for (const id of this.seen.keys()) if (!registered.has(id)) this.seen.delete(id);
  }
}

/** Like Promise.all, but rejects only once every promise has settled: no write outlives the round. */
async function allSettled<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/**
 * What the registry says of an instance this process has not checked yet (the hub restarted):
 * an unchanged state is then not logged again. Never heard from: unknown, the first answer is news.
 */
function reachabilityOnRecord(instance: MonitoredInstance): boolean | undefined {
  if (instance.status === 'down') return false;
  return instance.lastHeartbeatAt ? true : undefined;
}

async function probeReadiness(baseUrl: string, abandoned?: AbortSignal): Promise<Probe> {
  const timeout = AbortSignal.timeout(heartbeatTimeoutMs);
  try {
    // No redirects: the registered URL is the instance; an answer from elsewhere is not its own.
    const response = await fetch(`${baseUrl}/readyz`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: abandoned ? AbortSignal.any([timeout, abandoned]) : timeout,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { up: false, problem: `HTTP ${response.status}` };
    }
    return { up: true, version: await reportedVersion(response) };
  } catch (error) {
    return { up: false, problem: unreachable(error) };
  }
}

/** Printable and short, since it lands in the registry and the CLI's output; anything else is ignored. */
const versionShape = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

async function reportedVersion(response: Response): Promise<string | null> {
  const body: unknown = await response.json().catch(() => null);
  if (typeof body !== 'object' || body === null || !('version' in body)) return null;
  const { version } = body;
  return typeof version === 'string' && versionShape.test(version) ? version : null;
}

function unreachable(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${heartbeatTimeoutMs} ms`;
  // fetch says only "fetch failed"; the cause tells why (ECONNREFUSED, ENOTFOUND, bad port).
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown }) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
