import { InstanceMonitor, type PlatformRuntime } from '@nhi/platform';

/**
 * Starts the heartbeat of the worker instances on the hub; a worker watches no one. Returns what
 * stops it, for the shutdown to call before the database closes.
 */
export function startInstanceHeartbeats(runtime: PlatformRuntime): () => Promise<void> {
  if (runtime.config.NHI_MODE !== 'hub') return async () => {};
  const monitor = runtime.root.resolve(InstanceMonitor);
  monitor.start();
  return () => monitor.stop();
}
