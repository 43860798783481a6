import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { FORWARD_TOKEN_HEADER } from '../auth/forwarded-calls.ts';
import type { NewTestDatabase } from '../testing/describe-each-database.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { INSTANCE_REFUSED_HEADER, InstanceForwarder } from './instance-forwarder.ts';

/** How the instance answers a path: a status with headers, or never (its headers do not come). */
const answers: Record<string, { status: number; headers?: Record<string, string> } | 'never'> = {
  '/ok': { status: 200, headers: { 'content-type': 'text/csv' } },
  '/forbidden': { status: 403 },
  '/refused-user': { status: 401 },
  '/refused-hub': { status: 401, headers: { [INSTANCE_REFUSED_HEADER]: 'true' } },
  '/silent': 'never',
};

/** An instance answering by `answers`, recording the headers of each request it was sent. */
async function startInstance() {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    received.push(request.headers);
    const answer = answers[request.url ?? ''];
    if (!answer || answer === 'never') return;
    response.writeHead(answer.status, answer.headers ?? {});
    response.end(`answer of ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  const instance = await startInstance();
  const placement = { instance: 'w1', baseUrl: instance.baseUrl };
  const scope = {
    context: {
      requestId: 'req-1',
      realm: { id: '00000000-0000-4000-8000-000000000001', slug: 'north', placement },
      principal: { kind: 'user' as const, userId: 'u-1', email: 'ada@example.test', sessionId: 's-1' },
      clock: hub.clock,
    },
  };
  const forwarder = hub.root.resolve(InstanceForwarder);
  const caller = new Headers({
    authorization: 'Bearer nhi_secret',
    cookie: 'nhi_session=x',
    accept: 'text/csv',
  });
  /** The status the caller gets, or the domain code it is refused with. */
  const outcome = (sent: Promise<Response>) =>
    sent.then(
      (response) => response.status,
      (error: { code?: string; message?: string }) => error.code ?? String(error),
    );
  const forwarded = (path: string) =>
    outcome(
      forwarder.forwardRequest(scope, { method: 'GET', path, headers: caller, answerTimeoutMs: 2_000 }),
    );
  const delivered = (path: string) =>
    outcome(
      forwarder.deliverToInstance(placement, 'north', 'req-2', {
        method: 'POST',
        path,
        body: '{}',
        answerTimeoutMs: 2_000,
      }),
    );
  return { instance, forwarder, scope, forwarded, delivered };
}

describeEachDatabase('forwarding an HTTP route to an instance', (_kind, newDatabase) => {
  it('passes the instance’s answers on, and reports it unavailable when it refuses the hub or does not answer', async () => {
    const t = await setup(newDatabase);

    // A user's request: the hub authenticated the user, so any 401 there is the hub refused.
    expect(
      await Promise.all(['/ok', '/forbidden', '/refused-user', '/silent'].map((path) => t.forwarded(path))),
    ).toEqual([200, 403, 'UNAVAILABLE', 'UNAVAILABLE']);
    // The hub's own delivery: the route's 401 (a bad signature) is an answer, the marked one is not.
    expect(
      await Promise.all(['/ok', '/refused-user', '/refused-hub'].map((path) => t.delivered(path))),
    ).toEqual([200, 401, 'UNAVAILABLE']);
  });

  it('signs the request for the instance and sends none of the caller’s credentials on', async () => {
    const t = await setup(newDatabase);

    const response = await t.forwarder.forwardRequest(t.scope, {
      method: 'GET',
      path: '/ok',
      headers: new Headers({
        authorization: 'Bearer nhi_secret',
        cookie: 'nhi_session=x',
        accept: 'text/csv',
      }),
    });

    expect(await response.text()).toBe('answer of /ok');
    const [headers] = t.instance.received;
    expect(headers?.[FORWARD_TOKEN_HEADER]).toMatch(/^ey/);
    expect(headers?.['x-request-id']).toBe('req-1');
    expect(headers?.accept).toBe('text/csv');
    expect(headers?.authorization).toBeUndefined();
    expect(headers?.cookie).toBeUndefined();
  });

  it('reports an instance nobody listens at as unavailable, with the realm and instance named', async () => {
    const t = await setup(newDatabase);
    const gone = { instance: 'w9', baseUrl: 'http://127.0.0.1:9' };

    await expect(
      t.forwarder.forwardRequest(
        { context: { ...t.scope.context, realm: { ...t.scope.context.realm, placement: gone } } },
        { method: 'GET', path: '/ok' },
      ),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Realm north is served by instance w9, which is unavailable',
    });
  });
});
