import '@nhi/dashboard';
import { ApiTokenService, createLogger, openRequestScope, RealmDb, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { reportPdfResponse } from './report-pdf-endpoint.ts';

const origin = 'http://hub.test';
const silent = createLogger({ level: 'silent' });

async function setup(newDatabase: Parameters<typeof setupHub>[0], env: Record<string, string> = {}) {
  const hub = await setupHub(newDatabase, env);
  const realm = await hub.realm('hub', 'Hub');
  const ada = await hub.member('ada@example.test', 'hub', 'admin');
  const vic = await hub.member('vic@example.test', 'hub', 'viewer');
  const nia = await hub.member('nia@example.test', 'hub', 'viewer');
  // Nia reads the identities and alerts of no team: a scoped member.
  registerScopedMembers(hub.root, [
    { userId: nia.id, permissions: ['report:read', 'nhi:read', 'alert:read'], groupIds: [] },
  ]);
  const realmDb = new RealmDb(hub.db, realm.id);
  const bearerOf = async (user: { id: string }) => {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: 'token', realm, principal: { kind: 'system', name: 'test' }, clock: hub.clock },
      credential: 'bearer',
    });
    return (await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'report' })).token;
  };
  const sessionOf = async (email: string, site = 'same-origin') => ({
    cookie: `${SESSION_COOKIE}=${(await hub.logIn(email)).token}`,
    'sec-fetch-site': site,
  });
  const get = (query: string, headers: Record<string, string> = {}) =>
    reportPdfResponse(new Request(`${origin}/api/reports/posture.pdf${query}`, { headers }), {
      root: hub.root,
      logger: silent,
      requestId: 'test',
    });
  const stored = () => realmDb.transaction((tx) => tx.postureReport.count());
  return { ...hub, ada, vic, nia, bearerOf, sessionOf, get, stored };
}

describeEachDatabase('/api/reports/posture.pdf', (_kind, newDatabase) => {
  it('renders the realm’s report as a PDF attachment to an API token, and keeps the report', async () => {
    const t = await setup(newDatabase);
    const token = await t.bearerOf(t.ada);

    const response = await t.get('', { authorization: `Bearer ${token}`, 'x-nhi-realm': 'hub' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="posture-report-hub-\d{4}-\d{2}-\d{2}\.pdf"$/,
    );
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await t.stored()).toBe(1);
  });

  it('serves a viewer’s session from our own pages, the realm named by the link', async () => {
    const t = await setup(newDatabase);
    const response = await t.get('?realm=hub', await t.sessionOf('vic@example.test'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
  });

  it('refuses a session from another site, a request without credential, and a scoped member, storing nothing', async () => {
    const t = await setup(newDatabase);

    const crossSite = await t.get('?realm=hub', await t.sessionOf('ada@example.test', 'cross-site'));
    expect(crossSite.status).toBe(403);
    const anonymous = await t.get('?realm=hub');
    expect(anonymous.status).toBe(401);
    const scoped = await t.get('?realm=hub', await t.sessionOf('nia@example.test'));
    expect(scoped.status).toBe(403);
    expect(((await scoped.json()) as { error: { message: string } }).error.message).toContain('realm-wide');
    expect(await t.stored()).toBe(0);
  });

  it('says which setting to fix when the hub has no Chromium', async () => {
    const t = await setup(newDatabase, { NHI_CHROMIUM_PATH: '/nonexistent/chromium' });
    const token = await t.bearerOf(t.ada);

    const response = await t.get('?realm=hub', { authorization: `Bearer ${token}` });

    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('NHI_CHROMIUM_PATH'),
    });
    expect(await t.stored()).toBe(0);
  });
});
