import { getHubRuntime, type PlatformRuntime } from '@nhi/platform';
import { hubDomains } from './domains.ts';
import { startBackups } from './lifecycle/backups.server.ts';
import { seedDemoOnFirstStart } from './lifecycle/demo-data.server.ts';

let starting: Promise<PlatformRuntime> | undefined;
let running: PlatformRuntime | undefined;
let stopBackups = async () => {};

/**
 * The process's runtime (database, container, logger, metrics), started on first call. The
 * demo realm, when asked for, is seeded before the hub reports itself ready.
 */
export function hubRuntime(): Promise<PlatformRuntime> {
  // Jobs run inside the hub process (the only one that may open an embedded database).
  starting ??= getHubRuntime({ domains: hubDomains, jobs: {} }).then(async (runtime) => {
    await seedDemoOnFirstStart(runtime);
    stopBackups = await startBackups(runtime);
    return runtime;
  });
  const runtime = starting;
  runtime.then(
    (value) => {
      running = value;
    },
    () => {},
  );
  return runtime;
}

/** Closes the local backup endpoint (its file in the data directory goes with it); before shutdown. */
export function stopHubBackups(): Promise<void> {
  return stopBackups();
}

/** The runtime if it has finished starting; probes answer from this without waiting. */
export function runningHubRuntime(): PlatformRuntime | undefined {
  return running;
}
