import type { ServerResponse } from 'node:http';
import { runAsWork } from '@nhi/platform';

type NodeBackedRequest = Request & { runtime?: { node?: { res?: ServerResponse } } };

/**
 * Counts requests until their response has left the process: a streamed page is not done
 * when its handler returns, so the Node response's `close` marks the end where the server
 * exposes it. Each request is served as request work: its database statements get the requests'
 * timeout and are cancelled when the client goes away (the request's signal aborts).
 */
export class InFlightRequests {
  private active = 0;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.active;
  }

  async track(request: Request, serve: () => Promise<Response>): Promise<Response> {
    this.active++;
    const nodeResponse = (request as NodeBackedRequest).runtime?.node?.res;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.active--;
      if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    if (nodeResponse && !nodeResponse.writableFinished) nodeResponse.once('close', finish);
    try {
      return await runAsWork({ kind: 'request', signal: request.signal }, serve);
    } catch (error) {
      finish();
      throw error;
    } finally {
      if (!nodeResponse || nodeResponse.writableFinished) finish();
    }
  }

  /** Resolves true once nothing is in flight, or false when the time is up first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
