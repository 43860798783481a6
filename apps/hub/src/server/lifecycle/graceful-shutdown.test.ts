import { describe, expect, it } from 'vitest';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import { InFlightRequests } from './in-flight.ts';

function setup(release: () => Promise<void> = async () => {}) {
  const events: string[] = [];
  const inFlight = new InFlightRequests();
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    exit = resolve;
  });
  const lifecycle = installGracefulShutdown({
    inFlight,
    drainTimeoutMs: 5_000,
    releaseTimeoutMs: 5_000,
    release: async () => {
      events.push('release');
      await release();
    },
    log: (message) => events.push(message),
    exit,
    // A signal nothing else in the test process listens to.
    signals: ['SIGUSR2'],
  });
  return { events, exited, inFlight, lifecycle };
}

describe('graceful shutdown', () => {
  it('refuses new work, waits for the request in flight, then releases and exits 0', async () => {
    const { events, exited, inFlight, lifecycle } = setup();
    let finishRequest!: (response: Response) => void;
    const served = inFlight.track(
      new Request('http://hub.test/'),
      () => new Promise<Response>((resolve) => (finishRequest = resolve)),
    );

    process.emit('SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lifecycle.isDraining()).toBe(true);
    expect(events).not.toContain('release');
    finishRequest(new Response('done'));
    await served;

    expect(await exited).toBe(0);
    expect(events).toEqual(['shutting down', 'release', 'stopped']);
  });

  it('exits 1 when the database cannot be released', async () => {
    const { exited } = setup(async () => {
      throw new Error('close failed');
    });

    process.emit('SIGUSR2');

    expect(await exited).toBe(1);
  });
});
