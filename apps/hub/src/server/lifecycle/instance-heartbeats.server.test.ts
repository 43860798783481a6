import { InstanceMonitor, type PlatformRuntime } from '@nhi/platform';
import { describe, expect, it, vi } from 'vitest';
import { startInstanceHeartbeats } from './instance-heartbeats.server.ts';

function setup(mode: 'hub' | 'worker') {
  const monitor = { start: vi.fn(), stop: vi.fn(async () => {}) };
  const resolve = vi.fn((token: unknown) => (token === InstanceMonitor ? monitor : undefined));
  const runtime = { config: { NHI_MODE: mode }, root: { resolve } } as unknown as PlatformRuntime;
  return { monitor, resolve, runtime };
}

describe('instance heartbeats', () => {
  it('start with the hub and stop when told', async () => {
    const { monitor, runtime } = setup('hub');

    const stop = startInstanceHeartbeats(runtime);
    await stop();

    expect(monitor.start).toHaveBeenCalledOnce();
    expect(monitor.stop).toHaveBeenCalledOnce();
  });

  it('do not start on a worker, which watches no instance', async () => {
    const { resolve, runtime } = setup('worker');

    await startInstanceHeartbeats(runtime)();

    expect(resolve).not.toHaveBeenCalled();
  });
});
