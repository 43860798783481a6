import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { InjectionToken } from 'tsyringe';
import type { PoolStats } from '../database/platform-database.ts';

export type ForwardedCallOutcome = 'ok' | 'error' | 'unavailable';

/** Prometheus metrics of one hub process: HTTP traffic, database pool, Node runtime. */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly instanceUp: Gauge<'instance'>;
  private readonly instanceLabels = new Set<string>();
  private readonly forwardedCalls: Counter<'instance' | 'outcome'>;
  private readonly forwardedLatency: Histogram<'instance'>;

  constructor(
    poolStats?: () => PoolStats | undefined,
    activeJobs?: () => ReadonlyMap<string, number> | undefined,
    databaseUp?: () => Promise<boolean>,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'nhi_' });
    this.requests = new Counter({
      name: 'nhi_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'nhi_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.instanceUp = new Gauge({
      name: 'nhi_instance_up',
      help: 'Whether each worker instance answered its last heartbeat (1) or not (0)',
      labelNames: ['instance'],
      registers: [this.registry],
    });
    this.forwardedCalls = new Counter({
      name: 'nhi_forwarded_calls_total',
      help: 'Calls forwarded to worker instances, by instance and outcome',
      labelNames: ['instance', 'outcome'],
      registers: [this.registry],
    });
    this.forwardedLatency = new Histogram({
      name: 'nhi_forwarded_call_duration_seconds',
      help: 'Duration of calls forwarded to worker instances, by instance',
      labelNames: ['instance'],
      // From a cached answer on the same network (1 ms) to the forwarding timeout's range (5 s).
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    if (poolStats) {
      const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
        new Gauge({
          name,
          help,
          registers: [this.registry],
          collect() {
            const stats = poolStats();
            if (stats) this.set(pick(stats));
          },
        });
      gauge('nhi_db_pool_connections', 'Open database connections', (s) => s.total);
      gauge('nhi_db_pool_idle', 'Idle database connections', (s) => s.idle);
      gauge('nhi_db_pool_waiting', 'Queries waiting for a connection', (s) => s.waiting);
    }
    if (databaseUp) {
      new Gauge({
        name: 'nhi_database_up',
        help: 'Whether the database answered this scrape (1) or not (0)',
        registers: [this.registry],
        async collect() {
          this.set((await databaseUp()) ? 1 : 0);
        },
      });
    }
    if (activeJobs) {
      new Gauge({
        name: 'nhi_jobs_active',
        help: 'Background jobs running in this process, by job name',
        labelNames: ['job'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [job, active] of activeJobs() ?? []) this.set({ job }, active);
        },
      });
    }
  }

  /** `route` is the matched pattern (e.g. /api/trpc/$), never the raw URL, to bound label cardinality. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.latency.observe({ method, route }, seconds);
  }

  /** Whether the instance answered its last heartbeat. */
  setInstanceUp(instance: string, up: boolean): void {
    this.instanceUp.set({ instance }, up ? 1 : 0);
    this.instanceLabels.add(instance);
  }

  /** After a round over every registered instance: those no longer registered leave the gauge. */
  retainInstances(registered: Iterable<string>): void {
    const keep = new Set(registered);
    for (const instance of this.instanceLabels) {
      if (keep.has(instance)) continue;
      this.instanceUp.remove({ instance });
      this.instanceLabels.delete(instance);
    }
  }

  /**
   * One call the hub forwarded to an instance: `unavailable` when the instance did not answer,
   * `error` when it answered with a failure. `instance` is the registered name, a bounded label.
   */
  recordForwardedCall(instance: string, outcome: ForwardedCallOutcome, seconds: number): void {
    this.forwardedCalls.inc({ instance, outcome });
    this.forwardedLatency.observe({ instance }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The process's metrics, for services that record on them (the instance monitor). */
export const HUB_METRICS: InjectionToken<HubMetrics> = Symbol('HubMetrics');
