import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { setupHub } from './auth-test-setup.ts';

const origin = 'http://hub.test';
/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ platform: platformRouter });

type Credential = { session: string } | { bearer: string } | 'none';

/** A tRPC answer as JSON: the result's data, or the error with its code and issues. */
interface TrpcBody {
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  result: { data: any };
  error: {
    data: {
      code: string;
      zodIssues?: { path: string[] }[];
      details?: { issues?: { path: string[] }[] };
    };
  };
}

function headersFor(credential: Credential): Record<string, string> {
  if (credential === 'none') return { 'sec-fetch-site': 'same-origin' };
  if ('bearer' in credential) return { authorization: `Bearer ${credential.bearer}` };
  return { cookie: `${SESSION_COOKIE}=${credential.session}`, 'sec-fetch-site': 'same-origin' };
}

describeEachDatabase('platform.tokens over /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    const hubRealm = await hub.realm('hub', 'Hub');
    const otherRealm = await hub.realm('other', 'Other');
    const ana = await hub.member('ana@example.com', 'hub', 'admin');
    await hub.member('ana@example.com', 'other', 'admin');
    const vic = await hub.member('vic@example.com', 'hub', 'viewer');

    async function call(
      credential: Credential,
      path: string,
      input?: unknown,
    ): Promise<{ status: number; body: TrpcBody }> {
      const mutation = input !== undefined;
      const request = new Request(`${origin}/api/trpc/${path}`, {
        method: mutation ? 'POST' : 'GET',
        headers: { ...headersFor(credential), ...(mutation ? { 'content-type': 'application/json' } : {}) },
        body: mutation ? JSON.stringify(input) : undefined,
      });
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: request,
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-1', req, resHeaders }),
      });
      return { status: response.status, body: (await response.json()) as TrpcBody };
    }

    /** A session of the user, working in the given realm. */
    async function session(email: string, realmSlug = 'hub'): Promise<{ session: string }> {
      const login = await hub.loggedIn(email);
      if (login.realm.slug === realmSlug) return { session: login.token };
      const { principal } = await hub.auth.authenticate({ sessionToken: login.token });
      if (principal.kind !== 'user') throw new Error('a login yields a user session');
      const switched = await hub.auth.switchRealm(
        { userId: principal.userId, sessionId: principal.sessionId },
        realmSlug,
      );
      return { session: switched.token };
    }

    /** Creates a token through the API and answers with it as a credential. */
    async function tokenOf(credential: Credential, input: Record<string, unknown> = { name: 'ci' }) {
      const created = await call(credential, 'platform.tokens.create', input);
      expect(created.status).toBe(200);
      return { id: created.body.result.data.id as string, bearer: created.body.result.data.token as string };
    }

    return { ...hub, hubRealm, otherRealm, ana, vic, call, session, tokenOf };
  }

  it('creates a token that is shown once, listed without its secret and accepted as a Bearer token', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const created = await t.call(ana, 'platform.tokens.create', { name: 'deploy bot' });

    expect(created.status).toBe(200);
    const token = created.body.result.data;
    expect(token).toMatchObject({ name: 'deploy bot', permissions: [], expiresAt: null });
    expect(token.token).toMatch(/^nhi_[0-9A-Za-z]{43}$/);
    const whoami = await t.call({ bearer: token.token }, 'platform.whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.body.result.data).toMatchObject({
      principal: { kind: 'token', email: 'ana@example.com', tokenId: token.id },
      realm: { slug: 'hub' },
    });
    const listed = await t.call({ bearer: token.token }, 'platform.tokens.list');
    expect(listed.status).toBe(200);
    expect(listed.body.result.data).toEqual([
      {
        id: token.id,
        name: 'deploy bot',
        prefix: token.token.slice(0, 12),
        permissions: [],
        createdAt: expect.any(String),
        expiresAt: null,
        lastUsedAt: t.clock.now().toISOString(),
        revokedAt: null,
        status: 'active',
      },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(token.token.slice(12));
  });

  it('sets the expiry from a number of days or an instant', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');
    const now = t.clock.now().getTime();
    const instant = new Date(now + 3 * 3600_000).toISOString();

    const inDays = await t.call(ana, 'platform.tokens.create', { name: 'week', expiresInDays: 7 });
    const atInstant = await t.call(ana, 'platform.tokens.create', { name: 'soon', expiresAt: instant });

    expect(inDays.body.result.data.expiresAt).toBe(new Date(now + 7 * 86_400_000).toISOString());
    expect(atInstant.body.result.data.expiresAt).toBe(instant);
  });

  it('refuses invalid input with BAD_REQUEST and the issue', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');
    const past = new Date(t.clock.now().getTime() - 1000).toISOString();
    const future = new Date(t.clock.now().getTime() + 3600_000).toISOString();

    const cases = [
      [{ name: '   ' }, 'name'],
      [{ name: 'x', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'x', expiresInDays: 7, expiresAt: future }, 'expiresAt'],
      [{ name: 'x', expiresAt: past }, 'expiresAt'],
      [{ name: 'x', permissions: ['no:such'] }, 'permissions'],
    ] as const;
    for (const [input, field] of cases) {
      const response = await t.call(ana, 'platform.tokens.create', input);

      expect(response.status, JSON.stringify(input)).toBe(400);
      expect(response.body.error.data.code).toBe('BAD_REQUEST');
      const issues = response.body.error.data.zodIssues ?? response.body.error.data.details?.issues ?? [];
      expect(issues.map((issue) => issue.path[0])).toContain(field);
    }
    expect((await t.call(ana, 'platform.tokens.list')).body.result.data).toEqual([]);
  });

  it('revokes a token, which then gets 401, and shows it as revoked', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');
    const token = await t.tokenOf(ana);
    expect((await t.call(token, 'platform.whoami')).status).toBe(200);

    const revoked = await t.call(ana, 'platform.tokens.revoke', { id: token.id });
    const again = await t.call(ana, 'platform.tokens.revoke', { id: token.id });

    expect(revoked.status).toBe(200);
    expect(again.status).toBe(200);
    expect((await t.call(token, 'platform.whoami')).status).toBe(401);
    expect((await t.call(token, 'platform.tokens.list')).status).toBe(401);
    const listed = (await t.call(ana, 'platform.tokens.list')).body.result.data;
    expect(listed).toMatchObject([
      { id: token.id, status: 'revoked', revokedAt: t.clock.now().toISOString() },
    ]);
  });

  it('shows a token past its expiry as expired, and refuses it', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');
    const token = await t.tokenOf(ana, { name: 'day', expiresInDays: 1 });

    t.clock.advanceSeconds(86_400);

    expect((await t.call(token, 'platform.whoami')).status).toBe(401);
    const fresh = await t.session('ana@example.com');
    const listed = (await t.call(fresh, 'platform.tokens.list')).body.result.data;
    expect(listed).toMatchObject([{ id: token.id, status: 'expired' }]);
  });

  it('answers NOT_FOUND for another user’s token and leaves it working', async () => {
    const t = await setup();
    const anasToken = await t.tokenOf(await t.session('ana@example.com'));
    const vic = await t.session('vic@example.com');

    const revoke = await t.call(vic, 'platform.tokens.revoke', { id: anasToken.id });
    const list = await t.call(vic, 'platform.tokens.list');

    expect(revoke.status).toBe(404);
    expect(revoke.body.error.data.code).toBe('NOT_FOUND');
    expect(list.body.result.data).toEqual([]);
    expect((await t.call(anasToken, 'platform.whoami')).status).toBe(200);
  });

  it('answers NOT_FOUND for a token id of another realm, by session or by that realm’s token', async () => {
    const t = await setup();
    const inHub = await t.tokenOf(await t.session('ana@example.com', 'hub'));
    const inOther = await t.session('ana@example.com', 'other');
    const otherRealmToken = await t.tokenOf(inOther, { name: 'other realm' });

    const bySession = await t.call(inOther, 'platform.tokens.revoke', { id: inHub.id });
    const byToken = await t.call(otherRealmToken, 'platform.tokens.revoke', { id: inHub.id });
    const listedInOther = await t.call(inOther, 'platform.tokens.list');

    expect(bySession.status).toBe(404);
    expect(byToken.status).toBe(404);
    expect(listedInOther.body.result.data.map((token: { id: string }) => token.id)).toEqual([
      otherRealmToken.id,
    ]);
    const whoami = await t.call(inHub, 'platform.whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.body.result.data.realm.slug).toBe('hub');
  });

  it('answers 403 for permissions beyond the caller’s, and for a token without token:manage', async () => {
    const t = await setup();
    const vic = await t.session('vic@example.com');
    const ana = await t.session('ana@example.com');

    const wider = await t.call(vic, 'platform.tokens.create', { name: 'x', permissions: ['member:manage'] });
    const readOnly = await t.tokenOf(ana, { name: 'read only', permissions: ['realm:read'] });

    expect(wider.status).toBe(403);
    expect((await t.call(readOnly, 'platform.whoami')).status).toBe(200);
    expect((await t.call(readOnly, 'platform.tokens.list')).status).toBe(403);
    expect((await t.call(readOnly, 'platform.tokens.create', { name: 'y' })).status).toBe(403);
    expect((await t.call(readOnly, 'platform.tokens.revoke', { id: readOnly.id })).status).toBe(403);
  });

  it('offers a new token only the permissions the caller holds in the realm, with what each allows', async () => {
    const t = await setup();

    const viewer = await t.call(await t.session('vic@example.com'), 'platform.tokens.grantable');
    const admin = await t.call(await t.session('ana@example.com'), 'platform.tokens.grantable');

    expect(viewer.body.result.data.map((p: { key: string }) => p.key)).toEqual([
      'account:manage',
      'realm:read',
      'token:manage',
    ]);
    expect(admin.body.result.data.map((p: { key: string }) => p.key)).toEqual([
      'account:manage',
      'audit:read',
      'instance:read',
      'member:manage',
      'realm:read',
      'scim:manage',
      'token:manage',
      'user:manage',
    ]);
    expect(admin.body.result.data.every((p: { description: string }) => p.description.length > 0)).toBe(true);
  });

  it('answers 401 without a credential', async () => {
    const t = await setup();

    expect((await t.call('none', 'platform.tokens.list')).status).toBe(401);
    expect((await t.call('none', 'platform.tokens.create', { name: 'x' })).status).toBe(401);
    expect((await t.call('none', 'platform.tokens.revoke', { id: 'x' })).status).toBe(401);
  });
});
