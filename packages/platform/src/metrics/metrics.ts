import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../database/platform-database.ts';

/** Prometheus metrics of one hub process: HTTP traffic, database pool, Node runtime. */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;

  constructor(
    poolStats?: () => PoolStats | undefined,
    activeJobs?: () => ReadonlyMap<string, number> | undefined,
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

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
