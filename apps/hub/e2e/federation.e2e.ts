import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ApiTokenService,
  ForwardTokens,
  InstanceRegistry,
  InstanceSync,
  loadConfig,
  type PlatformRuntime,
  RealmAdminService,
  startPlatform,
} from '@nhi/platform';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from '@nhi/platform/testing';
import { registerPolicy } from '@nhi/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHub, startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword, seedingScope } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';

const skipReason = await postgresUnavailableReason();

/** What the shared set-up opened, closed after the last test in reverse order. */
const cleanups: (() => Promise<unknown>)[] = [];
const defer = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('postgres');
  defer(() => db.close());
  return db;
}

async function started(env: Record<string, string>): Promise<RunningHub> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-federation-'));
  defer(() => fs.rm(dataDir, { recursive: true, force: true }));
  const process = await startHubProcess({ NHI_DATA_DIR: dataDir, ...env });
  defer(() => process.stop());
  await waitForReady(process.url);
  return process;
}

function startWorker(name: string, hub: RunningHub, db: TestDatabase): Promise<RunningHub> {
  return started({ NHI_MODE: 'worker', NHI_INSTANCE_NAME: name, NHI_HUB_URL: hub.url, DATABASE_URL: db.url ?? '' });
}

const identity = {
  kind: 'service_account',
  provider: 'aws',
  externalId: 'arn:aws:iam::123456789012:user/deploy',
};

/** Each field's JSON type: what an API client relies on. */
function shapeOf(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, field === null ? 'null' : typeof field]),
  );
}

/** The operator's side, on the hub's database: what `nhi instance add`, `realm create --instance` and `user create` do. */
async function operatorOn(db: TestDatabase): Promise<PlatformRuntime> {
  const runtime = await startPlatform({
    config: loadConfig({ DATABASE_URL: db.url, NHI_MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' }),
    modules: [registerPolicy],
    firstStart: false,
  });
  defer(() => runtime.shutdown());
  return runtime;
}

/**
 * A hub and two workers, each on its own PostgreSQL database; realm `north` placed on w1 and
 * `south` on w2, the admin a member of both, and an API token of the admin in each realm.
 */
async function setup() {
  const [hubDb, w1Db, w2Db] = [await database(), await database(), await database()];
  const hub = await started({ DATABASE_URL: hubDb.url ?? '', NHI_ADMIN_PASSWORD: adminPassword });
  const [w1, w2] = await Promise.all([startWorker('w1', hub, w1Db), startWorker('w2', hub, w2Db)]);
  const operator = await operatorOn(hubDb);
  const registry = operator.root.resolve(InstanceRegistry);
  const sync = operator.root.resolve(InstanceSync);
  const realmAdmin = operator.root.resolve(RealmAdminService);
  await registry.add({ name: 'w1', baseUrl: w1.url });
  await registry.add({ name: 'w2', baseUrl: w2.url });
  const north = await registry.createRealmOn({ slug: 'north', name: 'North' }, 'w1');
  const south = await registry.createRealmOn({ slug: 'south', name: 'South' }, 'w2');
  const tokens: Record<'hub' | 'north' | 'south', string> = { hub: '', north: '', south: '' };
  for (const slug of ['north', 'south'] as const) {
    await realmAdmin.createUser({ email: adminEmail, realmSlug: slug, role: 'admin' });
  }
  for (const slug of ['hub', 'north', 'south'] as const) {
    const { userId, realm } = await realmAdmin.findMember(adminEmail, slug);
    const scope = await seedingScope(operator, realm);
    tokens[slug] = (await scope.container.resolve(ApiTokenService).create({ userId, name: 'e2e' })).token;
  }
  expect((await sync.syncRealm(north.id))?.result).toMatchObject({ created: true, members: 1 });
  expect((await sync.syncRealm(south.id))?.result).toMatchObject({ created: true, members: 1 });

  /** A tRPC call at `base` (the hub, or a worker directly) with the headers given. */
  async function trpc(base: string, path: string, input: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(input ?? null),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }
  const as = (realm: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[realm]}` });
  const viaHub = (realm: keyof typeof tokens, path: string, input?: unknown) =>
    trpc(hub.url, path, input, as(realm));
  const { userId } = await realmAdmin.findMember(adminEmail, 'north');
  return { hub, w1, w2, hubDb, w1Db, w2Db, operator, north, south, userId, trpc, viaHub, as, sync, realmAdmin };
}

describe.skipIf(skipReason)('a hub with two worker instances', () => {
  // Three processes on three databases take seconds to start: the tests share them, and the one
  // that stops an instance runs last.
  let shared: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    shared = await setup();
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  it('serves a worker realm through the hub: the rows live on that worker, nowhere else', async () => {
    const { viaHub, north, hubDb, w1Db, w2Db } = shared;

    const whoami = await viaHub('north', 'platform.whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.body.result.data.realm).toMatchObject({ slug: 'north' });

    const created = await viaHub('north', 'nhi.create', { ...identity, name: 'deploy-north' });
    expect(created.status).toBe(200);
    const listed = await viaHub('north', 'nhi.list', { limit: 10 });
    expect(listed.status).toBe(200);
    expect(listed.body.result.data.items.map((i: { name: string }) => i.name)).toEqual(['deploy-north']);
    // An API client reads the same JSON as from a local realm: same fields, same types (dates as strings).
    await viaHub('hub', 'nhi.create', { ...identity, name: 'deploy-hub' });
    const local = await viaHub('hub', 'nhi.list', { limit: 10 });
    expect(shapeOf(listed.body.result.data.items[0])).toEqual(shapeOf(local.body.result.data.items[0]));

    expect(await w1Db.systemPrisma.nhi.count({ where: { realmId: north.id } })).toBe(1);
    expect(await hubDb.systemPrisma.nhi.count({ where: { realmId: north.id } })).toBe(0);
    expect(await w2Db.systemPrisma.nhi.count()).toBe(0);
  });

  it('answers for the hub realm locally beside the worker realms', async () => {
    const { viaHub } = shared;

    const hubRealm = await viaHub('hub', 'platform.whoami');
    expect(hubRealm.body.result.data.realm).toMatchObject({ slug: 'hub' });
    const south = await viaHub('south', 'nhi.list', { limit: 5 });
    expect(south.status).toBe(200);
    expect(south.body.result.data.total).toBe(0);
  });

  it('keeps realms apart across instances: another realm’s identity is NOT_FOUND, never data', async () => {
    const { viaHub } = shared;
    const created = await viaHub('south', 'nhi.create', {
      kind: 'service_account',
      provider: 'aws',
      externalId: 'arn:aws:iam::123456789012:user/deploy-south',
      name: 'deploy-south',
    });
    const southId = created.body.result.data.id as string;

    for (const realm of ['north', 'hub'] as const) {
      const probe = await viaHub(realm, 'nhi.get', { id: southId });
      expect(probe.status, realm).toBe(404);
      expect(JSON.stringify(probe.body)).not.toContain('deploy-south');
    }
    expect((await viaHub('south', 'nhi.get', { id: southId })).status).toBe(200);
  });

  it('maps a worker’s refusals to the same answers as a local realm’s: 400 with the issues, 403', async () => {
    const { viaHub, realmAdmin, sync, north, operator, trpc, hub } = shared;

    const invalid = await viaHub('north', 'nhi.list', { limit: -1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.data.zodIssues?.[0]?.path).toEqual(['limit']);

    // A viewer added on the hub is synchronised to the worker, whose policies refuse a write.
    await realmAdmin.createUser({ email: 'viewer@nhi.local', realmSlug: 'north', role: 'viewer' });
    await sync.syncRealm(north.id);
    const { userId, realm } = await realmAdmin.findMember('viewer@nhi.local', 'north');
    const scope = await seedingScope(operator, realm);
    const token = (await scope.container.resolve(ApiTokenService).create({ userId, name: 'viewer' })).token;
    const write = await trpc(
      hub.url,
      'nhi.create',
      { kind: 'service_account', provider: 'aws', externalId: 'x-1', name: 'x' },
      { authorization: `Bearer ${token}` },
    );
    expect(write.status).toBe(403);
    const read = await trpc(hub.url, 'nhi.list', { limit: 1 }, { authorization: `Bearer ${token}` });
    expect(read.status).toBe(200);
  });

  it('refuses at a worker every call the hub did not forward to it, for that realm', async () => {
    const { w1, trpc, as, operator, north, south, userId } = shared;
    const tokens = operator.root.resolve(ForwardTokens);
    const forward = (instance: string, realmId: string) =>
      tokens.issue({ instance, userId, realmId, requestId: 'e2e' });
    const atW1 = async (headers: Record<string, string>) =>
      (await trpc(w1.url, 'nhi.list', { limit: 1 }, headers)).status;

    expect(await atW1({})).toBe(401);
    expect(await atW1(as('north'))).toBe(401);
    expect(await atW1({ 'x-nhi-forward': await forward('w2', north.id) })).toBe(401);
    // w1 cannot be used to reach w2's realm, even with a genuine token for w1.
    expect(await atW1({ 'x-nhi-forward': await forward('w1', south.id) })).toBe(401);
    const unsigned = `${Buffer.from('{"alg":"none","typ":"nhi-forward+jwt"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: userId, realm: north.id, rid: 'x', aud: 'w1', iss: 'nhi-hub' }),
    ).toString('base64url')}.`;
    expect(await atW1({ 'x-nhi-forward': unsigned })).toBe(401);
    // The same call with the token the hub would have sent is served.
    expect(await atW1({ 'x-nhi-forward': await forward('w1', north.id) })).toBe(200);
  });

  it('carries the request id from the hub to the worker’s log', async () => {
    const { hub, w1, as } = shared;

    const response = await fetch(`${hub.url}/api/trpc/nhi.list?input=${encodeURIComponent('{"limit":1}')}`, {
      headers: { ...as('north'), 'x-request-id': 'federation-e2e-1' },
    });
    expect(response.status).toBe(200);
    await expect.poll(() => w1.stdout()).toContain('federation-e2e-1');
  });
  it('in a browser: a worker realm’s inventory, the combined overview, and a stopped instance marked unavailable', async () => {
    const { hub, w2, viaHub } = shared;
    await viaHub('north', 'nhi.create', { ...identity, externalId: 'arn:aws:iam::1:user/b', name: 'browser-north' });
    const page = await openPage(hub);
    await logIn(page);

    await visit(page, '/me');
    await page.getByTestId('realm-switcher').selectOption('north');
    await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe('north');
    await page.getByTestId('nav-inventory').click();
    await page.getByTestId('inventory-table').waitFor();
    // The worker realm's inventory, then filtered by the search (which waits for the user to pause).
    await expect.poll(() => page.getByTestId('inventory-table').textContent()).toContain('deploy-north');
    await page.getByTestId('inventory-search').fill('browser');
    await expect.poll(() => page.getByTestId('inventory-table').textContent()).not.toContain('deploy-north');
    expect(await page.getByTestId('inventory-table').textContent()).toContain('browser-north');

    await visit(page, '/?realms=all');
    const combined = page.getByTestId('dashboard-combined');
    await expect.poll(() => combined.locator('h2').textContent()).toContain('3 realms');

    await w2.stop();
    await visit(page, '/?realms=all');
    await expect.poll(() => combined.locator('h2').textContent()).toContain('2 realms');
    expect(await page.getByTestId('dashboard-unavailable-realms').textContent()).toContain('South');

    // Through the API the same realm answers 503, and the others keep working.
    const south = await viaHub('south', 'nhi.list', { limit: 1 });
    expect(south.status).toBe(503);
    expect(south.body.error.message).toContain('unavailable');
    expect((await viaHub('north', 'nhi.list', { limit: 1 })).status).toBe(200);
    expect((await viaHub('hub', 'nhi.list', { limit: 1 })).status).toBe(200);
  });
});
