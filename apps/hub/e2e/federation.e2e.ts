import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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
import { screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
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
  return started({
    NHI_MODE: 'worker',
    NHI_INSTANCE_NAME: name,
    NHI_HUB_URL: hub.url,
    DATABASE_URL: db.url ?? '',
  });
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

/** One call through the hub's /api/trpc on a realm: the answer's data, once it was a 200. */
// biome-ignore lint/suspicious/noExplicitAny: each procedure answers its own shape; the assertions check it
type Call = (path: string, input?: unknown) => Promise<any>;
type Realm = 'hub' | 'north';
/** The models whose rows a family's calls create, by their Prisma name. */
type RowModel = 'source' | 'scan' | 'nhi' | 'alert' | 'policyGroup' | 'policy' | 'policyAssignment';

interface FamilyRun {
  /** What an API client reads: the same on every realm, ids and instants aside. */
  answers: Record<string, unknown>;
  /** The rows the calls created, by model: they live on the database that serves the realm. */
  rows: Partial<Record<RowModel, string[]>>;
}

// Anywhere in a text: an actor is named `token:<id>`, say.
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * An answer with ids and instants replaced by placeholders, and lists sorted: rows made in one
 * transaction share their instant, so a list ordered by time breaks ties by their random ids.
 */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .map((item) => comparable(item))
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, field]) => [name, comparable(field)]),
    );
  }
  if (typeof value !== 'string') return value;
  // A worker knows no API tokens of the hub (ADR 0029): a token that acted in its realm's history
  // is named there by the start of its id, where the hub names it by its name.
  if (/^API token \S+$/.test(value)) return 'API token <name or id>';
  return instant.test(value) ? '<instant>' : value.replace(uuid, '<id>');
}

/** The credential report each realm scans: a machine user in use, and one whose key was never used. */
const credentialReport = [
  credentialReportHeader,
  machineUserRow('fed-deployer'),
  machineUserRow('fed-forgotten', false),
].join('\n');

/**
 * A source, an upload scan of the credential report to its end, and the evaluation of the alerts
 * on what it found: what the scanner, alert and dashboard families start from on each realm.
 */
async function scanned(call: Call) {
  const source = await call('scanner.source.create', { type: 'aws_iam', name: 'federation account' });
  const started = await call('scanner.scan.start', {
    sourceId: source.id,
    input: 'aws.credential_report',
    upload: {
      name: 'credential-report.csv',
      contentBase64: Buffer.from(credentialReport).toString('base64'),
    },
  });
  await expect
    .poll(async () => (await call('scanner.scan.get', { id: started.id })).state, {
      timeout: 60_000,
      interval: 250,
    })
    .toBe('succeeded');
  // The end of the scan starts an evaluation of the realm in the background: the never-used key
  // shows it ran. The evaluation run now completes whatever a background pass left to do.
  await expect
    .poll(async () => (await call('alert.list', { sources: [source.id], ruleId: 'nhi1.never_used' })).total, {
      timeout: 60_000,
      interval: 500,
    })
    .toBe(1);
  await call('alert.evaluate');
  return { source, scanId: started.id as string };
}

interface RaisedAlert {
  id: string;
  ruleId: string;
  nhi: { name: string } | null;
}

const sortedByRuleAndName = (items: RaisedAlert[]) =>
  [...items].sort((a, b) => `${a.ruleId} ${a.nhi?.name}`.localeCompare(`${b.ruleId} ${b.nhi?.name}`));

/** Each procedure family, its calls and what holds of their answers on any realm. */
const families: {
  family: string;
  run(call: Call, prepared: () => ReturnType<typeof scanned>): Promise<FamilyRun>;
}[] = [
  {
    family: 'scanner',
    async run(call, prepared) {
      const { source, scanId } = await prepared();
      const scan = await call('scanner.scan.get', { id: scanId });
      expect(scan).toMatchObject({ state: 'succeeded', itemsProcessed: 2, counts: { new: 2, missing: 0 } });
      const scans = await call('scanner.scan.list', { sourceId: source.id });
      expect(scans.map((s: { id: string }) => s.id)).toEqual([scanId]);
      const identities = await call('nhi.list', { source: [source.id], limit: 50 });
      expect(identities.total).toBe(2);
      expect(identities.items.map((i: { name: string }) => i.name).sort()).toEqual([
        'fed-deployer',
        'fed-forgotten',
      ]);
      const sources = await call('scanner.source.list');
      expect(sources.find((s: { id: string }) => s.id === source.id)?.lastScan).toMatchObject({ id: scanId });
      return {
        answers: { source, scan, scans, identities, sources },
        rows: { source: [source.id], scan: [scanId], nhi: identities.items.map((i: { id: string }) => i.id) },
      };
    },
  },
  {
    family: 'alerts',
    async run(call, prepared) {
      const { source } = await prepared();
      const bySource = { sources: [source.id], limit: 100 };
      const raised = await call('alert.list', bySource);
      expect(raised.items.length).toBeGreaterThanOrEqual(2);
      expect(raised.items.every((a: { state: string }) => a.state === 'open')).toBe(true);
      const [first, second] = sortedByRuleAndName(raised.items) as [RaisedAlert, RaisedAlert];
      await call('alert.acknowledge', { ids: [first.id], comment: 'Looking into it' });
      await call('alert.suppress', {
        ids: [second.id],
        reason: 'Owner is rotating it this sprint',
        until: '2099-01-31T00:00:00.000Z',
      });
      const acknowledged = await call('alert.get', { id: first.id });
      expect(acknowledged.state).toBe('acknowledged');
      const suppressed = await call('alert.get', { id: second.id });
      expect(suppressed).toMatchObject({
        state: 'suppressed',
        suppressReason: 'Owner is rotating it this sprint',
      });
      expect(suppressed.history.map((h: { toState: string }) => h.toState)).toContain('suppressed');
      const open = await call('alert.list', { ...bySource, states: ['open'] });
      expect(open.total).toBe(raised.total - 2);
      return {
        answers: { raised, acknowledged, suppressed, after: await call('alert.list', bySource) },
        rows: { alert: raised.items.map((a: { id: string }) => a.id) },
      };
    },
  },
  {
    family: 'dashboard',
    async run(call, prepared) {
      const { source } = await prepared();
      const inventory = await call('nhi.list', { limit: 1 });
      const overview = await call('dashboard.overview', { fresh: true });
      expect(overview.figures.nhiTotal).toBe(inventory.total);
      const scannedInventory = await call('nhi.list', { source: [source.id], limit: 1 });
      const { ageMs: _age, ...scannedOverview } = await call('dashboard.overview', {
        source: [source.id],
        fresh: true,
      });
      expect(scannedOverview.figures.nhiTotal).toBe(scannedInventory.total);
      expect(scannedOverview.figures.nhiTotal).toBe(2);
      expect(scannedOverview.recentScans.map((s: { sourceName: string }) => s.sourceName)).toContain(
        'federation account',
      );
      return { answers: { scannedOverview }, rows: {} };
    },
  },
  {
    family: 'policy',
    async run(call) {
      const group = await call('policy.createGroup', {
        name: 'Federation responders',
        description: 'On call',
      });
      const policy = await call('policy.createPolicy', {
        name: 'Triage alerts',
        permissions: ['alert:read', 'alert:ack'],
      });
      const assignment = await call('policy.assign', {
        policyId: policy.id,
        groupId: group.id,
        reason: 'On call for the scanned account',
      });
      const me = await call('platform.whoami');
      await call('policy.addMember', { groupId: group.id, userId: me.principal.userId });
      const detail = await call('policy.group', { groupId: group.id });
      expect(detail).toMatchObject({
        name: 'Federation responders',
        description: 'On call',
        members: [{ userId: me.principal.userId, email: adminEmail }],
        assignments: [{ id: assignment.id, policyName: 'Triage alerts', active: true, inherited: false }],
      });
      const catalogue = await call('policy.policies');
      const stored = catalogue.policies.find((p: { id: string }) => p.id === policy.id);
      expect(stored).toMatchObject({ name: 'Triage alerts' });
      const tree = await call('policy.tree');
      const node = tree.find((g: { id: string }) => g.id === group.id);
      expect(node).toMatchObject({ memberCount: 1, assignmentCount: 1 });
      return {
        answers: { detail, stored, node },
        rows: { policyGroup: [group.id], policy: [policy.id], policyAssignment: [assignment.id] },
      };
    },
  },
];

/** How many of `ids` the database holds as rows of `model`. */
function rowsOf(db: TestDatabase, model: RowModel, ids: string[]): Promise<number> {
  const delegate = db.systemPrisma[model] as unknown as {
    count(args: { where: { id: { in: string[] } } }): Promise<number>;
  };
  return delegate.count({ where: { id: { in: ids } } });
}

const cliMain = path.resolve(import.meta.dirname, '../../cli/src/main.ts');

/** `nhi <args>` as an operator runs it next to the hub, on the hub's database; fails on a non-zero exit. */
async function nhiCommand(db: TestDatabase, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', cliMain, ...args], {
    // From the repository root, as `pnpm nhi` runs it: tsx takes that tsconfig (decorators) for every package.
    cwd: path.resolve(import.meta.dirname, '../../..'),
    env: { ...process.env, DATABASE_URL: db.url ?? '', NHI_MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' },
    timeout: 90_000,
  });
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
  const hub = await started({
    DATABASE_URL: hubDb.url ?? '',
    NHI_ADMIN_PASSWORD: adminPassword,
    NHI_INSTANCE_HEARTBEAT_SECONDS: '1',
  });
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
  // The hub's heartbeat may have sent them already (it syncs an instance it first sees up).
  expect((await sync.syncRealm(north.id))?.result).toMatchObject({ members: 1 });
  expect((await sync.syncRealm(south.id))?.result).toMatchObject({ members: 1 });

  /** A tRPC call at `base` (the hub, or a worker directly) with the headers given. */
  async function trpc(base: string, path: string, input: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(input ?? null),
    });
    // biome-ignore lint/suspicious/noExplicitAny: each procedure answers its own shape; the assertions check it
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }
  const as = (realm: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[realm]}` });
  const viaHub = (realm: keyof typeof tokens, path: string, input?: unknown) =>
    trpc(hub.url, path, input, as(realm));
  const { userId } = await realmAdmin.findMember(adminEmail, 'north');
  return {
    hub,
    w1,
    w2,
    hubDb,
    w1Db,
    w2Db,
    operator,
    north,
    south,
    userId,
    trpc,
    viaHub,
    as,
    sync,
    realmAdmin,
  };
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

  it('counts the calls it forwarded on its /metrics, by instance and outcome', async () => {
    const { hub } = shared;

    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/nhi_forwarded_calls_total\{instance="w1",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/nhi_forwarded_call_duration_seconds_count\{instance="w1"\} [1-9]/);
    // The heartbeat (every second here) finds the instances registered after the hub started.
    await expect
      .poll(async () => (await fetch(`${hub.url}/metrics`)).text(), { timeout: 10_000 })
      .toMatch(/nhi_instance_up\{instance="w1"\} 1/);
  });

  describe('every procedure family answers alike on the hub’s realm and on a worker realm', () => {
    // One scan (and its alerts' evaluation) per realm serves the scanner, alert and dashboard families.
    const prepared = new Map<Realm, ReturnType<typeof scanned>>();
    const callOn =
      (realm: Realm): Call =>
      async (path, input) => {
        const { status, body } = await shared.viaHub(realm, path, input);
        expect(status, `${realm} ${path}: ${JSON.stringify(body)}`).toBe(200);
        return body.result.data;
      };
    const preparedOn = (realm: Realm) => () => {
      if (!prepared.has(realm)) prepared.set(realm, scanned(callOn(realm)));
      return prepared.get(realm) as ReturnType<typeof scanned>;
    };

    it.each(families)(
      '$family',
      async ({ run }) => {
        const { hubDb, w1Db, w2Db } = shared;
        const local = await run(callOn('hub'), preparedOn('hub'));
        const forwarded = await run(callOn('north'), preparedOn('north'));

        expect(comparable(forwarded.answers)).toEqual(comparable(local.answers));
        for (const [model, ids = []] of Object.entries(forwarded.rows) as [RowModel, string[]][]) {
          expect(await rowsOf(w1Db, model, ids), `north ${model} on w1`).toBe(ids.length);
          expect(await rowsOf(hubDb, model, ids), `north ${model} on the hub`).toBe(0);
          expect(await rowsOf(w2Db, model, ids), `north ${model} on w2`).toBe(0);
        }
        for (const [model, ids = []] of Object.entries(local.rows) as [RowModel, string[]][]) {
          expect(await rowsOf(hubDb, model, ids), `hub ${model} on the hub`).toBe(ids.length);
          expect(await rowsOf(w1Db, model, ids), `hub ${model} on w1`).toBe(0);
        }
      },
      180_000,
    );
  });

  it('streams a worker realm’s exports and takes its webhooks through the hub, as separate processes', async () => {
    const { hub, viaHub, as, w1 } = shared;
    const alerts = (await viaHub('north', 'alert.list', { limit: 1, states: ['open'] })).body.result.data;
    expect(alerts.total).toBeGreaterThan(0);

    const csv = await fetch(`${hub.url}/api/export/alerts?format=csv&realm=north&state=open`, {
      headers: as('north'),
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\n');
    // A header, then one line per open alert of the realm: the worker's rows.
    expect(lines.length - 1).toBe(alerts.total);
    expect(lines.join('\n')).toContain(alerts.items[0].id);

    const sarif = await fetch(`${hub.url}/api/export/leaks?format=sarif`, {
      headers: { ...as('north'), 'x-nhi-realm': 'north' },
    });
    expect(sarif.status).toBe(200);
    expect((await sarif.json()).version).toBe('2.1.0');

    // A tracker webhook for the worker realm reaches the worker, which checks it: a forged one is 401,
    // and so is one for a realm that does not exist, answered by the hub alone.
    const forged = await fetch(`${hub.url}/api/hooks/tickets/north/${crypto.randomUUID()}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-hub-signature': `sha256=${'0'.repeat(64)}` },
    });
    expect(forged.status).toBe(401);
    const nowhere = await fetch(`${hub.url}/api/hooks/tickets/nowhere/${crypto.randomUUID()}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-hub-signature': `sha256=${'0'.repeat(64)}` },
    });
    expect(nowhere.status).toBe(401);
    await expect.poll(() => w1.stdout()).toContain('/api/hooks/tickets/north/');
  });

  it('moves a realm from one worker to the other with `nhi realm move`, and back, serving it through the hub', async () => {
    const { viaHub, north, hubDb, w1Db, w2Db } = shared;
    const before = await viaHub('north', 'nhi.list', { limit: 100 });
    const alertsBefore = await viaHub('north', 'alert.list', { limit: 100 });
    const identities = await w1Db.systemPrisma.nhi.count({ where: { realmId: north.id } });
    expect(identities).toBeGreaterThan(0);

    const there = await nhiCommand(hubDb, 'realm', 'move', 'north', '--to', 'w2');

    expect(there.stdout).toMatch(/\n {2}Nhi +\d+ → \d+\n/);
    expect(there.stdout).toMatch(/Moved realm north from w1 to w2\n$/);
    expect(await w2Db.systemPrisma.nhi.count({ where: { realmId: north.id } })).toBe(identities);
    expect(await w1Db.systemPrisma.realm.count({ where: { id: north.id } })).toBe(0);
    const after = await viaHub('north', 'nhi.list', { limit: 100 });
    expect(after.status).toBe(200);
    expect(comparable(after.body.result.data)).toEqual(comparable(before.body.result.data));
    expect((await viaHub('north', 'alert.list', { limit: 100 })).body.result.data.total).toBe(
      alertsBefore.body.result.data.total,
    );
    // Changes land on w2 now.
    const created = await viaHub('north', 'nhi.create', {
      ...identity,
      externalId: 'arn:aws:iam::1:user/moved',
      name: 'moved-north',
    });
    expect(created.status).toBe(200);
    expect(await w2Db.systemPrisma.nhi.count({ where: { id: created.body.result.data.id } })).toBe(1);

    const back = await nhiCommand(hubDb, 'realm', 'move', 'north', '--to', 'w1');

    expect(back.stdout).toMatch(/Moved realm north from w2 to w1\n$/);
    expect(await w1Db.systemPrisma.nhi.count({ where: { realmId: north.id } })).toBe(identities + 1);
    expect(await w2Db.systemPrisma.realm.count({ where: { id: north.id } })).toBe(0);
    expect((await viaHub('north', 'nhi.get', { id: created.body.result.data.id })).status).toBe(200);
  }, 120_000);

  it('in a browser: a worker realm’s inventory, the combined overview, and a stopped instance marked unavailable', async () => {
    const { hub, w2, viaHub } = shared;
    await viaHub('north', 'nhi.create', {
      ...identity,
      externalId: 'arn:aws:iam::1:user/b',
      name: 'browser-north',
    });
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
    const southExport = await fetch(`${hub.url}/api/export/alerts?format=csv&realm=south`, {
      headers: shared.as('south'),
    });
    expect(southExport.status).toBe(503);
    expect((await viaHub('north', 'nhi.list', { limit: 1 })).status).toBe(200);
    expect((await viaHub('hub', 'nhi.list', { limit: 1 })).status).toBe(200);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/nhi_forwarded_calls_total\{instance="w2",outcome="unavailable"\} [1-9]/);

    // The hub realm's admin sees the stopped instance down, and its realm marked in the switcher.
    await page.getByTestId('realm-switcher').selectOption('hub');
    await page.getByTestId('nav-instances').click();
    await page.getByTestId('instance-table').waitFor();
    const row = (name: string) => page.locator(`[data-testid="instance-row"][data-instance-name="${name}"]`);
    // The page shows what the heartbeat recorded when it loaded: refreshed until the next round says so.
    await expect
      .poll(async () => {
        await page.getByTestId('refresh-instances').click();
        return row('w2').getAttribute('data-up');
      })
      .toBe('false');
    expect(await row('w2').getByTestId('instance-health').textContent()).toBe('Down');
    expect(await row('w2').textContent()).toContain('South');
    expect(await row('w1').getByTestId('instance-health').textContent()).toBe('Up');
    expect(await row('w1').getByTestId('instance-heartbeat-age').textContent()).toMatch(/^\d+ seconds? ago$/);
    await screenshot(page, 'instances-one-down');
    const southOption = page.getByTestId('realm-switcher').locator('option[value="south"]');
    expect(await southOption.textContent()).toContain('(unavailable)');
    expect(await southOption.getAttribute('title')).toContain('w2 is not answering');
    expect(
      await page.getByTestId('realm-switcher').locator('option[value="north"]').textContent(),
    ).not.toContain('unavailable');
  });
});
