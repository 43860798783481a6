import { getHubRuntime, type PlatformRuntime } from '@nhi/platform';

let running: PlatformRuntime | undefined;

/** The process's runtime (database, container, logger, metrics), started on first call. */
export function hubRuntime(): Promise<PlatformRuntime> {
  const runtime = getHubRuntime();
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
