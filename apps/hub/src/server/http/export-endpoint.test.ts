import '@nhi/alert';
import '@nhi/scanner';
import { ApiTokenService, createLogger, openRequestScope, RealmDb, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { insertLeakedKey } from '@nhi/scanner/testing/leak-rows';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { alertExport, exportResponse, leakExport } from './export-endpoint.ts';

const origin = 'http://hub.test';
const silent = createLogger({ level: 'silent' });

async function setup(newDatabase: Parameters<typeof setupHub>[0]) {
  const hub = await setupHub(newDatabase);
  const realm = await hub.realm('hub', 'Hub');
  const ada = await hub.member('ada@example.test', 'hub', 'admin');
  const nia = await hub.member('nia@example.test', 'hub', 'viewer');
  // Nia reads the inventory of no team and nothing else: no alert:read, no leak:read.
  registerScopedMembers(hub.root, [{ userId: nia.id, permissions: ['nhi:read'], groupIds: [] }]);
  const realmDb = new RealmDb(hub.db, realm.id);
  const now = hub.clock.now();
  await realmDb.transaction(async (tx) => {
    for (const [i, severity] of (['low', 'high', 'critical'] as const).entries())
      await tx.alert.create({
        data: {
          fingerprint: `nhi1.unowned_share:${i}`,
          ruleId: 'nhi1.unowned_share',
          owaspId: 'NHI1',
          severity,
          subject: `=cmd|${i}`,
          firstSeenAt: now,
          lastSeenAt: now,
          stateChangedAt: now,
        },
        select: { id: true },
      });
    await insertLeakedKey(tx);
  });
  const bearerOf = async (user: { id: string }) => {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: 'token', realm, principal: { kind: 'system', name: 'test' }, clock: hub.clock },
      credential: 'bearer',
    });
    return (await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'export' })).token;
  };
  const get = (path: string, headers: Record<string, string> = {}) =>
    exportResponse(
      new Request(`${origin}${path}`, { headers }),
      path.startsWith('/api/export/alerts') ? alertExport : leakExport,
      { root: hub.root, logger: silent, requestId: 'test' },
    );
  return { ...hub, ada, nia, bearerOf, get };
}

describeEachDatabase('/api/export', (_kind, newDatabase) => {
  it('streams the alerts as OCSF lines to an API token, as an attachment', async () => {
    const t = await setup(newDatabase);
    const token = await t.bearerOf(t.ada);

    const response = await t.get('/api/export/alerts?format=ocsf&severity=high,critical', {
      authorization: `Bearer ${token}`,
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="nhi-alerts-hub-\d{4}-\d{2}-\d{2}\.ocsf\.jsonl"$/,
    );
    const events = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.severity).sort()).toEqual(['Critical', 'High']);
    expect(events[0]).toMatchObject({ class_uid: 2004, metadata: { product: { name: 'NHI Hub' } } });
  });

  it('writes a CSV for a session from our own pages, in the realm the link names', async () => {
    const t = await setup(newDatabase);
    const session = await t.logIn('ada@example.test');

    const response = await t.get('/api/export/alerts?format=csv&realm=hub&state=open', {
      cookie: `${SESSION_COOKIE}=${session.token}`,
      'sec-fetch-site': 'same-origin',
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(",'=cmd|");
  });

  it('writes the leaks as a SARIF log', async () => {
    const t = await setup(newDatabase);
    const token = await t.bearerOf(t.ada);

    const response = await t.get('/api/export/leaks?format=sarif', { authorization: `Bearer ${token}` });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/sarif+json');
    const log = await response.json();
    expect(log.runs[0].results).toHaveLength(1);
    expect(log.runs[0].results[0].properties.hint).toBe('AKIA…WXYZ');
  });

  it('answers 401 without a credential, and 403 to a cookie from another site', async () => {
    const t = await setup(newDatabase);
    const session = await t.logIn('ada@example.test');

    const anonymous = await t.get('/api/export/alerts?format=ocsf');
    const crossSite = await t.get('/api/export/alerts?format=ocsf&realm=hub', {
      cookie: `${SESSION_COOKIE}=${session.token}`,
      'sec-fetch-site': 'cross-site',
    });

    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(crossSite.status).toBe(403);
  });

  it('answers 403 to a member without the permission to read alerts or leaks', async () => {
    const t = await setup(newDatabase);
    const token = await t.bearerOf(t.nia);

    const alerts = await t.get('/api/export/alerts?format=ocsf', { authorization: `Bearer ${token}` });
    const leaks = await t.get('/api/export/leaks?format=sarif', { authorization: `Bearer ${token}` });

    expect(alerts.status).toBe(403);
    expect(await alerts.json()).toMatchObject({ error: { code: 'FORBIDDEN', permission: 'alert:read' } });
    expect(leaks.status).toBe(403);
  });

  it('answers 400 naming the parameter for an unknown format or state', async () => {
    const t = await setup(newDatabase);
    const token = await t.bearerOf(t.ada);

    const format = await t.get('/api/export/alerts?format=xml', { authorization: `Bearer ${token}` });
    const state = await t.get('/api/export/alerts?format=csv&state=closed', {
      authorization: `Bearer ${token}`,
    });

    expect(format.status).toBe(400);
    expect(await format.json()).toMatchObject({
      error: { code: 'BAD_REQUEST', issues: [{ path: ['format'] }] },
    });
    expect(state.status).toBe(400);
  });
});
