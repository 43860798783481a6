import { isMainThread } from 'node:worker_threads';
import type { InFlightRequests } from './in-flight.ts';

export interface GracefulShutdownOptions {
  inFlight: InFlightRequests;
  /** The whole shutdown, from the signal to the exit: requests drain, then the rest is released. */
  drainTimeoutMs: number;
  /**
   * The part of drainTimeoutMs kept for releasing (at most half of it): requests drain for the
   * rest at most, so a request that never ends leaves this much for the jobs to stop and the
   * database to close.
   */
  releaseTimeoutMs: number;
  /**
   * Releases what the process holds (jobs, database, PGlite's data-dir lock) once requests are
   * done, within budgetMs: running jobs are stopped then and retried later.
   */
  release(budgetMs: number): Promise<void>;
  log(message: string, fields?: Record<string, unknown>): void;
  exit(code: number): void;
  signals?: NodeJS.Signals[];
}

/**
 * On SIGTERM or SIGINT: refuse new requests, let in-flight ones finish, release the jobs and
 * the database, exit 0; all of it within drainTimeoutMs (an orchestrator's grace period is spent
 * here, not in a kill). Our own handler rather than the HTTP server's, which stands down when CI
 * or TEST is set and knows nothing of the database.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): { isDraining(): boolean } {
  let draining = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    const deadline = Date.now() + options.drainTimeoutMs;
    // Requests keep at least half of the time whatever the reserve asks.
    const reserve = Math.min(options.releaseTimeoutMs, options.drainTimeoutMs / 2);
    options.log('shutting down', { signal, inFlight: options.inFlight.size });
    const drained = await options.inFlight.whenIdle(options.drainTimeoutMs - reserve);
    if (!drained) options.log('drain timed out', { inFlight: options.inFlight.size });
    let code = 0;
    try {
      const budget = Math.max(0, deadline - Date.now());
      await withTimeout(options.release(budget), budget);
    } catch (error) {
      code = 1;
      options.log('release failed', { error: error instanceof Error ? error.message : String(error) });
    }
    options.log('stopped', { signal });
    options.exit(code);
  };
  // Worker threads (the dev server runs the app in one) receive no signals; the main thread owns them.
  if (isMainThread) {
    for (const signal of options.signals ?? ['SIGTERM', 'SIGINT'])
      process.once(signal, () => void shutdown(signal));
  }
  return { isDraining: () => draining };
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
