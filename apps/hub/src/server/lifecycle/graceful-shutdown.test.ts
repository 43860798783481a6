import { describe, expect, it } from 'vitest';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import { InFlightRequests } from './in-flight.ts';

function setup(
  release: (budgetMs: number) => Promise<void> = async () => {},
  times = { drainTimeoutMs: 5_000, releaseTimeoutMs: 5_000 },
) {
  const events: string[] = [];
  const budgets: number[] = [];
  const inFlight = new InFlightRequests();
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    exit = resolve;
  });
  const lifecycle = installGracefulShutdown({
    inFlight,
    ...times,
    release: async (budgetMs) => {
      events.push('release');
      budgets.push(budgetMs);
      await release(budgetMs);
    },
    log: (message) => events.push(message),
    exit,
    // A signal nothing else in the test process listens to.
    signals: ['SIGUSR2'],
  });
  return { events, budgets, exited, inFlight, lifecycle };
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

  it('gives an idle hub’s release all of the shutdown time', async () => {
    const { budgets, exited } = setup(async () => {}, { drainTimeoutMs: 10_000, releaseTimeoutMs: 4_000 });

    process.emit('SIGUSR2');

    expect(await exited).toBe(0);
    expect(budgets[0]).toBeGreaterThan(4_000);
    expect(budgets[0]).toBeLessThanOrEqual(10_000);
  });

  it('keeps the release’s share of the time when a request never ends', async () => {
    const { events, budgets, exited, inFlight } = setup(async () => {}, {
      drainTimeoutMs: 200,
      releaseTimeoutMs: 150,
    });
    void inFlight.track(new Request('http://hub.test/'), () => new Promise<Response>(() => {}));

    process.emit('SIGUSR2');

    expect(await exited).toBe(0);
    expect(events).toEqual(['shutting down', 'drain timed out', 'release', 'stopped']);
    expect(budgets[0]).toBeGreaterThan(0);
    expect(budgets[0]).toBeLessThanOrEqual(150);
  });

  it('exits 1 at the end of the shutdown time when the release does not finish', async () => {
    const { events, exited } = setup(() => new Promise<void>(() => {}), {
      drainTimeoutMs: 100,
      releaseTimeoutMs: 50,
    });

    process.emit('SIGUSR2');

    expect(await exited).toBe(1);
    expect(events).toEqual(['shutting down', 'release', 'release failed', 'stopped']);
  });
});
