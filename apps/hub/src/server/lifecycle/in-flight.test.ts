import { currentWork } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { InFlightRequests } from './in-flight.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('in-flight requests', () => {
  it('reports idle at once when nothing is in flight', async () => {
    const inFlight = new InFlightRequests();

    expect(await inFlight.whenIdle(1_000)).toBe(true);
  });

  it('waits for a running request before reporting idle', async () => {
    const inFlight = new InFlightRequests();
    const response = deferred<Response>();
    const served = inFlight.track(new Request('http://hub.test/'), () => response.promise);
    const idle = inFlight.whenIdle(10_000);
    let idleSeen = false;
    void idle.then(() => {
      idleSeen = true;
    });

    await Promise.resolve();
    expect(inFlight.size).toBe(1);
    expect(idleSeen).toBe(false);
    response.resolve(new Response('done'));
    await served;

    expect(await idle).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('gives up waiting when the time is up', async () => {
    const inFlight = new InFlightRequests();
    void inFlight.track(new Request('http://hub.test/'), () => new Promise<Response>(() => {}));

    expect(await inFlight.whenIdle(20)).toBe(false);
  });

  it('serves a request as request work that ends when the client goes away', async () => {
    const inFlight = new InFlightRequests();
    const client = new AbortController();
    const request = new Request('http://hub.test/', { signal: client.signal });

    const work = await new Promise<ReturnType<typeof currentWork>>((resolve) => {
      void inFlight.track(request, async () => {
        resolve(currentWork());
        return new Response('done');
      });
    });
    client.abort();

    expect(work?.kind).toBe('request');
    expect(work?.signal?.aborted).toBe(true);
  });
});
