import {
  ApiTokenService,
  openRequestScope,
  procedurePermissions,
  RealmDb,
  type RealmRef,
  router,
  undeclaredProcedures,
} from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { scannerRouter } from './scanner.procedures.ts';

const appRouter = router({ scanner: scannerRouter });

it('declares a known permission on every procedure', () => {
  expect(undeclaredProcedures(scannerRouter)).toEqual([]);
  expect(Object.fromEntries(procedurePermissions(scannerRouter).map((p) => [p.path, p.permission]))).toEqual({
    accessGraph: 'source:read',
    'leak.list': 'leak:read',
    observations: 'source:read',
    'remediation.approve': 'nhi:remediate',
    'remediation.available': 'nhi:remediate',
    'remediation.configure': 'member:manage',
    'remediation.list': 'nhi:remediate',
    'remediation.plan': 'nhi:remediate',
    'remediation.reject': 'nhi:remediate',
    'remediation.request': 'nhi:remediate',
    'remediation.settings': 'realm:read',
    'scan.cancel': 'scan:run',
    'scan.diff': 'source:read',
    'scan.get': 'source:read',
    'scan.list': 'source:read',
    'scan.start': 'scan:run',
    'source.create': 'source:manage',
    'source.delete': 'source:manage',
    'source.events': 'source:read',
    'source.get': 'source:read',
    'source.list': 'source:read',
    'source.page': 'source:read',
    'source.testConnection': 'source:manage',
    'source.update': 'source:manage',
  });
});

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  async function bearerOf(user: { id: string }, realm: RealmRef = hub.hubRealm) {
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-token',
        realm,
        principal: { kind: 'system', name: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    return (await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'test' })).token;
  }
  async function call(bearer: string, path: string, input: unknown, type: 'query' | 'mutation') {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const request = new Request(
      type === 'query'
        ? `http://hub.test/api/trpc/scanner.${path}${query}`
        : `http://hub.test/api/trpc/scanner.${path}`,
      {
        method: type === 'query' ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: type === 'query' ? undefined : JSON.stringify(input),
      },
    );
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: request,
      router: appRouter,
      createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-http', req, resHeaders }),
    });
    return { status: response.status, text: await response.text() };
  }
  return { ...hub, bearerOf, call, ana: await bearerOf(hub.ana), vic: await bearerOf(hub.vic) };
}

describeEachDatabase('scanner.* over /api/trpc', (_kind, newDatabase) => {
  it('lets an admin add a source without ever answering its credentials', async () => {
    const t = await setup(newDatabase);
    const secret = 'ghp_thisIsNotARealTokenButLooksLikeOne1234';

    const created = await t.call(
      t.ana,
      'source.create',
      { type: 'github', name: 'acme', secrets: { token: secret } },
      'mutation',
    );
    const listed = await t.call(t.ana, 'source.list', undefined, 'query');

    expect(created.status).toBe(200);
    expect(created.text).toContain('"secretNames":["token"]');
    expect(created.text + listed.text).not.toContain(secret);
  });

  it('refuses a viewer what only editors and admins may do, and lets them read', async () => {
    const t = await setup(newDatabase);
    const created = await t.call(t.ana, 'source.create', { type: 'aws_iam', name: 'prod' }, 'mutation');
    const sourceId = JSON.parse(created.text).result.data.id as string;
    const upload = { name: 'r.csv', contentBase64: Buffer.from('user,arn').toString('base64') };

    expect((await t.call(t.vic, 'source.create', { type: 'aws_iam', name: 'x' }, 'mutation')).status).toBe(
      403,
    );
    expect(
      (await t.call(t.vic, 'scan.start', { sourceId, input: 'aws.credential_report', upload }, 'mutation'))
        .status,
    ).toBe(403);
    expect((await t.call(t.vic, 'source.delete', { id: sourceId }, 'mutation')).status).toBe(403);
    expect((await t.call(t.vic, 'source.list', undefined, 'query')).status).toBe(200);
    expect((await t.call(t.vic, 'leak.list', {}, 'query')).status).toBe(200);
  });

  it('shows the sources page with what each role may do there', async () => {
    const t = await setup(newDatabase);
    await t.call(t.ana, 'source.create', { type: 'aws_iam', name: 'prod' }, 'mutation');

    const pageOf = async (bearer: string) =>
      JSON.parse((await t.call(bearer, 'source.page', undefined, 'query')).text).result.data;
    const admin = await pageOf(t.ana);
    const viewer = await pageOf(t.vic);

    expect(admin.sources.map((s: { name: string }) => s.name)).toEqual(['prod']);
    expect(admin.abilities).toEqual({ manageSources: true, runScans: true, readLeaks: true });
    expect(viewer.sources.map((s: { name: string }) => s.name)).toEqual(['prod']);
    expect(viewer.abilities).toEqual({ manageSources: false, runScans: false, readLeaks: true });
  });

  it('answers a clear BAD_REQUEST for an upload of the wrong source type', async () => {
    const t = await setup(newDatabase);
    const created = await t.call(t.ana, 'source.create', { type: 'kubernetes', name: 'cluster' }, 'mutation');
    const sourceId = JSON.parse(created.text).result.data.id as string;

    const response = await t.call(
      t.ana,
      'scan.start',
      { sourceId, input: 'aws.credential_report', upload: { name: 'r.csv', contentBase64: 'eA==' } },
      'mutation',
    );

    expect(response.status).toBe(400);
    expect(response.text).toContain(
      'A kubernetes source reads k8s.manifests, k8s.live, not aws.credential_report',
    );
  });

  it('answers NOT_FOUND for every id of another realm: sources and scans', async () => {
    const t = await setup(newDatabase);
    const oli = await t.bearerOf(t.oli, t.otherRealm);
    const created = await t.call(t.ana, 'source.create', { type: 'kubernetes', name: 'cluster' }, 'mutation');
    const sourceId = JSON.parse(created.text).result.data.id as string;
    const upload = {
      name: 'app.yaml',
      contentBase64: Buffer.from('kind: ServiceAccount\n').toString('base64'),
    };
    const started = await t.call(
      t.ana,
      'scan.start',
      { sourceId, input: 'k8s.manifests', upload },
      'mutation',
    );
    const scanId = JSON.parse(started.text).result.data.id as string;
    const nhi = await new RealmDb(t.db, t.hubRealm.id).transaction((tx) =>
      tx.nhi.create({
        data: { kind: 'bot', provider: 'slack', externalId: 'B1', name: 'hub-bot' },
        select: { id: true },
      }),
    );
    const remediation = await new RealmDb(t.db, t.hubRealm.id).transaction((tx) =>
      tx.remediationAction.create({
        data: { nhiId: nhi.id, sourceId, action: 'aws.access_key.deactivate', state: 'awaiting_approval' },
        select: { id: true },
      }),
    );
    const planned = { nhiId: nhi.id, action: 'aws.access_key.deactivate' };

    const notFound: Record<string, [unknown, 'query' | 'mutation']> = {
      'source.get': [{ id: sourceId }, 'query'],
      'source.update': [{ id: sourceId, name: 'taken over' }, 'mutation'],
      'source.delete': [{ id: sourceId }, 'mutation'],
      'source.events': [{ id: sourceId }, 'query'],
      'scan.start': [{ sourceId, input: 'k8s.manifests', upload }, 'mutation'],
      'scan.get': [{ id: scanId }, 'query'],
      'scan.cancel': [{ id: scanId }, 'mutation'],
      'scan.diff': [{ id: scanId }, 'query'],
      observations: [{ nhiId: nhi.id }, 'query'],
      accessGraph: [{ nhiId: nhi.id }, 'query'],
      'remediation.available': [{ nhiId: nhi.id }, 'query'],
      'remediation.plan': [planned, 'mutation'],
      'remediation.request': [planned, 'mutation'],
      'remediation.approve': [{ id: remediation.id }, 'mutation'],
      'remediation.reject': [{ id: remediation.id, reason: 'not ours' }, 'mutation'],
    };
    for (const [path, [input, type]] of Object.entries(notFound)) {
      const response = await t.call(oli, path, input, type);
      expect(response.status, `scanner.${path}`).toBe(404);
      expect(JSON.parse(response.text).error.data.code, `scanner.${path}`).toBe('NOT_FOUND');
    }
    // The others take no id of the realm, or filter by one: they see the caller's realm only.
    const seen = {
      'source.list': (await t.call(oli, 'source.list', {}, 'query')).text,
      'scan.list': (await t.call(oli, 'scan.list', { sourceId }, 'query')).text,
      'leak.list': (await t.call(oli, 'leak.list', { sourceId }, 'query')).text,
      'remediation.list': (await t.call(oli, 'remediation.list', { nhiId: nhi.id }, 'query')).text,
    };

    const page = JSON.parse((await t.call(oli, 'source.page', undefined, 'query')).text).result.data;

    for (const text of Object.values(seen)) expect(JSON.parse(text).result.data).toEqual([]);
    expect(page.sources).toEqual([]);
    expect((await t.call(t.ana, 'source.get', { id: sourceId }, 'query')).text).toContain('"name":"cluster"');
    // Testing a connection reads nothing of the realm: it tries the credentials it is given.
    // Remediation settings are the caller's own realm's.
    const free = [
      'source.page',
      'source.create',
      'source.testConnection',
      'remediation.settings',
      'remediation.configure',
    ];
    expect([...Object.keys(notFound), ...Object.keys(seen), ...free].sort()).toEqual(
      procedurePermissions(scannerRouter)
        .map((p) => p.path)
        .sort(),
    );
  });
});
