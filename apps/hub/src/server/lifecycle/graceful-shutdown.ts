import { isMainThread } from 'node:worker_threads';
import type { InFlightRequests } from './in-flight.ts';

export interface GracefulShutdownOptions {
  inFlight: InFlightRequests;
  drainTimeoutMs: number;
  releaseTimeoutMs: number;
  /** Releases what the process holds (database, PGlite's data-dir lock) once requests are done. */
  release(): Promise<void>;
  log(message: string, fields?: Record<string, unknown>): void;
  exit(code: number): void;
  signals?: NodeJS.Signals[];
}

/**
 * On SIGTERM or SIGINT: refuse new requests, let in-flight ones finish (bounded), release
 * the database, exit 0. Our own handler rather than the HTTP server's, which stands down
 * when CI or TEST is set and knows nothing of the database.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): { isDraining(): boolean } {
  let draining = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    options.log('shutting down', { signal, inFlight: options.inFlight.size });
    const drained = await options.inFlight.whenIdle(options.drainTimeoutMs);
    if (!drained) options.log('drain timed out', { inFlight: options.inFlight.size });
    let code = 0;
    try {
      await withTimeout(options.release(), options.releaseTimeoutMs);
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
