import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it, onTestFinished } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { authenticateRequest } from '../guards/request-scope.ts';
import { HUB_METRICS, HubMetrics } from '../metrics/metrics.ts';
import { createCaller } from '../rpc/caller.ts';
import { router } from '../rpc/trpc.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { InstanceMonitor } from './instance-monitor.ts';
import { InstanceRegistry } from './instance-registry.ts';

const origin = 'http://hub.test';
/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ platform: platformRouter });

/** A local HTTP server in a worker's place: ready, or not answering at all once closed. */
async function fakeWorker(version: string) {
  const server = createServer((request, response) => {
    if (request.url !== '/readyz') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ready', version }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

describeEachDatabase('platform.instances', (_kind, newDatabase: NewTestDatabase) => {
  /**
   * The hub realm (ana its admin, vic a viewer), realm `other` (oli its admin), and two workers:
   * `worker-a` answering and serving realms `payments` and `lab`, `worker-b` serving nothing.
   */
  async function setup() {
    const hub = await setupHub(newDatabase);
    hub.root.register(HUB_METRICS, { useValue: new HubMetrics() });
    const registry = hub.root.resolve(InstanceRegistry);
    const monitor = hub.root.resolve(InstanceMonitor);
    onTestFinished(() => monitor.stop());
    await hub.realm('hub', 'Hub');
    await hub.realm('other', 'Other');
    await hub.member('ana@example.com', 'hub', 'admin');
    await hub.member('vic@example.com', 'hub', 'viewer');
    await hub.member('oli@example.com', 'other', 'admin');
    const workerA = await fakeWorker('1.4.2');
    await registry.add({ name: 'worker-a', baseUrl: workerA.url });
    await registry.add({ name: 'worker-b', baseUrl: 'http://127.0.0.1:9' });
    await registry.createRealmOn({ slug: 'payments', name: 'Payments' }, 'worker-a');
    await registry.createRealmOn({ slug: 'lab', name: 'Lab' }, 'worker-a');
    await hub.member('ana@example.com', 'payments', 'viewer');

    const cookieOf = async (email: string) => `${SESSION_COOKIE}=${(await hub.loggedIn(email)).token}`;

    /** In this process, as the hub's serverFns call. */
    async function callerOf(email: string) {
      const scope = await authenticateRequest(hub.root, {
        headers: new Headers({ cookie: await cookieOf(email) }),
        requestId: 'req-1',
      });
      return createCaller(appRouter, hub.root, scope);
    }

    /** Over /api/trpc with the user's session cookie: the status an API client gets. */
    async function statusOver(headers: Record<string, string>, path: string): Promise<number> {
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(`${origin}/api/trpc/${path}`, {
          headers: { 'sec-fetch-site': 'same-origin', ...headers },
        }),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-2', req, resHeaders }),
      });
      await response.body?.cancel();
      return response.status;
    }

    return { ...hub, registry, monitor, workerA, cookieOf, callerOf, statusOver };
  }

  it('lists every instance with its heartbeat and the realms placed on it to the hub realm’s admin', async () => {
    const t = await setup();
    await t.monitor.check('worker-a');
    const heartbeat = t.clock.now();
    t.clock.advanceSeconds(5);

    const listed = await (await t.callerOf('ana@example.com')).platform.instances.list.query();

    expect(listed).toEqual([
      {
        name: 'worker-a',
        baseUrl: t.workerA.url,
        status: 'active',
        version: '1.4.2',
        lastHeartbeatAt: heartbeat,
        secondsSinceHeartbeat: 5,
        up: true,
        realms: [
          { slug: 'lab', name: 'Lab' },
          { slug: 'payments', name: 'Payments' },
        ],
      },
      {
        name: 'worker-b',
        baseUrl: 'http://127.0.0.1:9',
        status: 'active',
        version: null,
        lastHeartbeatAt: null,
        secondsSinceHeartbeat: null,
        // Registered, never heard from: nothing says it answers.
        up: false,
        realms: [],
      },
    ]);
  });

  it('shows an instance down once it stops answering, keeping its last heartbeat and version', async () => {
    const t = await setup();
    await t.monitor.check('worker-a');
    const heartbeat = t.clock.now();

    await t.workerA.close();
    t.clock.advanceSeconds(15);
    await t.monitor.check('worker-a');
    const [workerA] = await (await t.callerOf('ana@example.com')).platform.instances.list.query();

    expect(workerA).toMatchObject({
      status: 'down',
      up: false,
      version: '1.4.2',
      lastHeartbeatAt: heartbeat,
      secondsSinceHeartbeat: 15,
    });
  });

  it('counts an instance no longer up when its last heartbeat is older than two intervals', async () => {
    const t = await setup();
    await t.monitor.check('worker-a');
    const ana = await t.callerOf('ana@example.com');

    // The default interval is 15 s; one probe may take 3 s more.
    t.clock.advanceSeconds(33);
    const [recent] = await ana.platform.instances.list.query();
    t.clock.advanceSeconds(1);
    const [stale] = await ana.platform.instances.list.query();

    expect(recent).toMatchObject({ status: 'active', up: true });
    expect(stale).toMatchObject({ status: 'active', up: false, secondsSinceHeartbeat: 34 });
  });

  it('refuses a viewer of the hub realm, and an admin of another realm, with 403', async () => {
    const t = await setup();

    const statuses = await Promise.all(
      ['ana@example.com', 'vic@example.com', 'oli@example.com'].map(async (email) =>
        t.statusOver({ cookie: await t.cookieOf(email) }, 'platform.instances.list'),
      ),
    );
    const oli = await t.callerOf('oli@example.com');

    expect(statuses).toEqual([200, 403, 403]);
    await expect(oli.platform.instances.list.query()).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    expect((await oli.platform.realms.list.query()).mayReadInstances).toBe(false);
  });

  it('refuses the hub realm’s admin working in another realm she administers', async () => {
    const t = await setup();
    await t.member('ana@example.com', 'other', 'admin');
    const ana = await t.callerOf('ana@example.com');
    const switched = await ana.platform.realms.switch.mutate({ slug: 'other' });
    const inOther = await authenticateRequest(t.root, {
      headers: new Headers({ cookie: `${SESSION_COOKIE}=${switched.session?.token}` }),
      requestId: 'req-3',
    });
    const moved = createCaller(appRouter, t.root, inOther);

    await expect(moved.platform.instances.list.query()).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
    expect((await ana.platform.realms.list.query()).mayReadInstances).toBe(true);
    expect((await moved.platform.realms.list.query()).mayReadInstances).toBe(false);
  });

  it('marks a realm in the realm list unavailable while its instance does not answer', async () => {
    const t = await setup();
    const ana = await t.callerOf('ana@example.com');
    await t.monitor.check('worker-a');
    const before = (await ana.platform.realms.list.query()).realms;

    await t.workerA.close();
    await t.monitor.check('worker-a');
    const after = (await ana.platform.realms.list.query()).realms;

    expect(before).toEqual([
      { slug: 'hub', name: 'Hub', role: 'admin', instance: null, available: true },
      { slug: 'payments', name: 'Payments', role: 'viewer', instance: 'worker-a', available: true },
    ]);
    expect(after).toEqual([
      { slug: 'hub', name: 'Hub', role: 'admin', instance: null, available: true },
      { slug: 'payments', name: 'Payments', role: 'viewer', instance: 'worker-a', available: false },
    ]);
  });
});
