import { describe, expect, it } from 'vitest';
import { type CompletedRequest, createHttpEnvelope } from './http-envelope.ts';
import { createRouteLabeler } from './route-label.ts';
import { isServedByWorker, workerRefusal } from './worker-gate.ts';

/** The envelope as a worker builds it; `reached` lists the paths its routes were asked for. */
function setup(options: { worker?: boolean } = {}) {
  const reached: string[] = [];
  const completed: CompletedRequest[] = [];
  const envelope = createHttpEnvelope({
    trustProxy: false,
    routeLabel: createRouteLabeler(['/', '/healthz', '/readyz', '/metrics', '/api/trpc/$']),
    onComplete: (request) => completed.push(request),
    bodyLimit: () => 1024 * 1024,
    ...((options.worker ?? true) ? { refuse: workerRefusal } : {}),
  });
  const send = (path: string, init?: RequestInit) =>
    envelope(new Request(`http://worker.test${path}`, init), (request) => {
      reached.push(new URL(request.url).pathname);
      return Response.json({ ok: true });
    });
  return { send, reached, completed };
}

describe('worker gate', () => {
  it('lets probes, metrics and tRPC calls through to their routes', async () => {
    const { send, reached } = setup();

    for (const path of ['/healthz', '/readyz', '/metrics', '/api/trpc/platform.whoami']) {
      expect((await send(path)).status).toBe(200);
    }

    expect(reached).toEqual(['/healthz', '/readyz', '/metrics', '/api/trpc/platform.whoami']);
  });

  it('answers pages, serverFns and assets 404 without reaching a route', async () => {
    const { send, reached } = setup();

    for (const path of ['/', '/login', '/_serverFn/x', '/assets/main.js', '/api/trpcx', '/healthz/extra']) {
      const response = await send(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not served by a worker' });
    }

    expect(reached).toEqual([]);
  });

  it('judges the path after dot segments are resolved', async () => {
    const { send, reached } = setup();

    expect((await send('/api/trpc/../../login')).status).toBe(404);
    expect((await send('/api/trpc/%2e%2e/%2e%2e/login')).status).toBe(404);
    expect(reached).toEqual([]);
  });

  it('refuses a tRPC call that carries a browser session cookie', async () => {
    const { send, reached } = setup();

    const response = await send('/api/trpc/platform.whoami', {
      headers: { cookie: 'theme=dark; nhi_session=abc', authorization: 'Bearer token' },
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'session cookies are not accepted by a worker' });
    expect(reached).toEqual([]);
  });

  it('refuses a session cookie even when its value does not decode', async () => {
    const { send } = setup();

    const response = await send('/api/trpc/platform.whoami', { headers: { cookie: 'nhi_session=%E0' } });

    expect(response.status).toBe(401);
  });

  it('lets other cookies through', async () => {
    const { send } = setup();

    const response = await send('/api/trpc/platform.whoami', { headers: { cookie: 'theme=dark' } });

    expect(response.status).toBe(200);
  });

  it('keeps the envelope around a refusal: request id, security headers, one completion', async () => {
    const { send, completed } = setup();

    const response = await send('/', { headers: { 'x-request-id': 'req-1' } });

    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(completed).toMatchObject([{ requestId: 'req-1', path: '/', status: 404 }]);
  });

  it('leaves a hub serving every path', async () => {
    const { send, reached } = setup({ worker: false });

    expect((await send('/')).status).toBe(200);
    expect((await send('/_serverFn/x', { headers: { cookie: 'nhi_session=abc' } })).status).toBe(200);
    expect(reached).toEqual(['/', '/_serverFn/x']);
  });

  it('names exactly the paths a worker serves', () => {
    expect(isServedByWorker('/api/trpc')).toBe(true);
    expect(isServedByWorker('/api/trpc/platform.whoami,nhi.list')).toBe(true);
    expect(isServedByWorker('/metrics')).toBe(true);
    expect(isServedByWorker('/api')).toBe(false);
    expect(isServedByWorker('/METRICS')).toBe(false);
  });
});
