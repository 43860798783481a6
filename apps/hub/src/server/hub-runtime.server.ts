// The domains' permissions join the catalogue before the first request is authorized.
import '@nhi/nhi';
import { registerAlertJobs } from '@nhi/alert';
import { registerDashboardJobs } from '@nhi/dashboard';
import { getHubRuntime, type PlatformRuntime } from '@nhi/platform';
import { registerPolicy } from '@nhi/policy';
import { registerScannerJobs } from '@nhi/scanner';
import { seedDemoOnFirstStart } from './lifecycle/demo-data.server.ts';

let starting: Promise<PlatformRuntime> | undefined;
let running: PlatformRuntime | undefined;

/**
 * The process's runtime (database, container, logger, metrics), started on first call. The
 * demo realm, when asked for, is seeded before the hub reports itself ready.
 */
export function hubRuntime(): Promise<PlatformRuntime> {
  starting ??= getHubRuntime({ modules: [registerPolicy], jobs: {} }).then(async (runtime) => {
    // Scans run inside the hub process (the only one that may open an embedded database).
    await registerScannerJobs(runtime.root);
    await seedDemoOnFirstStart(runtime);
    await registerAlertJobs(runtime);
    await registerDashboardJobs(runtime);
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

/** The runtime if it has finished starting; probes answer from this without waiting. */
export function runningHubRuntime(): PlatformRuntime | undefined {
  return running;
}
