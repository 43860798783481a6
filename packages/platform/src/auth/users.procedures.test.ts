import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { authenticateRequest } from '../guards/request-scope.ts';
import { createCaller } from '../rpc/caller.ts';
import { router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { PasswordLinks } from './account-links.ts';
import { setupHub, testPassword } from './auth-test-setup.ts';

const origin = 'http://hub.test';
const appRouter = router({ platform: platformRouter });

type Credential = { session: string } | { bearer: string };

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  body: { result: { data: any }; error: { message: string; data: { code: string } } };
}

function headersFor(credential: Credential): Record<string, string> {
  if ('bearer' in credential) return { authorization: `Bearer ${credential.bearer}` };
  return { cookie: `${SESSION_COOKIE}=${credential.session}`, 'sec-fetch-site': 'same-origin' };
}

const tokenOf = (link: string) => link.split('/').at(-1) as string;
const newPassword = 'a much longer passphrase';

describeEachDatabase('platform.users and platform.me', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('lab', 'Lab');
    const ana = await hub.member('ana@example.com', 'hub', 'admin');
    const vic = await hub.member('vic@example.com', 'hub', 'viewer');
    const oli = await hub.member('oli@example.com', 'lab', 'admin');
    // Sam is in both realms; Ana administers only one of them.
    const sam = await hub.member('sam@example.com', 'hub', 'editor');
    await hub.member('sam@example.com', 'lab', 'viewer');

    async function call(credential: Credential, path: string, input?: unknown, method?: 'GET' | 'POST') {
      const post = method === 'POST' || input !== undefined;
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(`${origin}/api/trpc/${path}`, {
          method: post ? 'POST' : 'GET',
          headers: { ...headersFor(credential), ...(post ? { 'content-type': 'application/json' } : {}) },
          body: post && input !== undefined ? JSON.stringify(input) : undefined,
        }),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-1', req, resHeaders }),
      });
      return { status: response.status, body: await response.json() } as Answer;
    }

    async function callerOf(credential: Credential) {
      const scope = await authenticateRequest(hub.root, {
        headers: new Headers(headersFor(credential)),
        requestId: 'req-2',
      });
      return createCaller(appRouter, hub.root, scope);
    }

    const session = async (email: string, password = testPassword) => ({
      session: (await hub.auth.login({ email, password, ip: '203.0.113.7' })).token,
    });
    const works = async (credential: Credential) => (await call(credential, 'platform.whoami')).status;
    const audit = (action: string) =>
      hub.db.systemPrisma.auditLog.findMany({
        where: { action },
        select: { realmId: true, entityId: true, after: true },
      });
    return {
      ...hub,
      ids: { ana: ana.id, vic: vic.id, oli: oli.id, sam: sam.id },
      call,
      callerOf,
      session,
      works,
      audit,
    };
  }

  it('lists the realm’s members with role, status, sign-in methods and last login for its admin', async () => {
    const t = await setup();
    await t.session('vic@example.com');
    const ana = await t.callerOf(await t.session('ana@example.com'));

    const users = await ana.platform.users.list.query();

    expect(users.map((u) => [u.email, u.role, u.status, u.signInMethods, u.manageable])).toEqual([
      ['ana@example.com', 'admin', 'active', ['password'], true],
      ['sam@example.com', 'editor', 'active', ['password'], false],
      ['vic@example.com', 'viewer', 'active', ['password'], true],
    ]);
    expect(users.find((u) => u.email === 'vic@example.com')?.lastLoginAt).toEqual(t.clock.now());
    expect(users.find((u) => u.email === 'sam@example.com')?.lastLoginAt).toBeNull();
  });

  it('refuses every users procedure to a non-admin', async () => {
    const t = await setup();
    const vic = await t.session('vic@example.com');

    const answers = [
      await t.call(vic, 'platform.users.list'),
      await t.call(vic, 'platform.users.invite', { email: 'new@example.com', role: 'viewer' }),
      await t.call(vic, 'platform.users.disable', { userId: t.ids.ana }),
      await t.call(vic, 'platform.users.enable', { userId: t.ids.ana }),
      await t.call(vic, 'platform.users.resetPassword', { userId: t.ids.ana }),
    ];

    expect(answers.map((a) => [a.status, a.body.error?.data.code])).toEqual(
      Array(5).fill([403, 'FORBIDDEN']),
    );
  });

  it('answers NOT_FOUND for a user of another realm and FORBIDDEN for an account reaching realms the admin does not run', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const foreign = await t.call(ana, 'platform.users.disable', { userId: t.ids.oli });
    const unknown = await t.call(ana, 'platform.users.disable', { userId: crypto.randomUUID() });
    const reset = await t.call(ana, 'platform.users.resetPassword', { userId: t.ids.oli });
    const shared = await t.call(ana, 'platform.users.disable', { userId: t.ids.sam });

    expect([foreign.status, foreign.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect([unknown.status, unknown.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect([reset.status, reset.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect([shared.status, shared.body.error.data.code]).toEqual([403, 'FORBIDDEN']);
    expect(await t.works(await t.session('oli@example.com'))).toBe(200);
    expect(await t.works(await t.session('sam@example.com'))).toBe(200);
  });

  it('invites a user with a one-time link that sets the password once, then lets them log in', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));

    const invited = await ana.platform.users.invite.mutate({ email: 'New@Example.com', role: 'editor' });

    expect(invited).toMatchObject({ user: { email: 'new@example.com' }, role: 'editor', delivery: 'link' });
    if (invited.delivery !== 'link') throw new Error('expected a link');
    expect(invited.link).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);
    const listed = await ana.platform.users.list.query();
    expect(listed.find((u) => u.email === 'new@example.com')).toMatchObject({
      status: 'invited',
      signInMethods: [],
    });
    await expect(t.session('new@example.com', '')).rejects.toThrow('Invalid email or password');

    const links = t.root.resolve(PasswordLinks);
    expect(await links.describe(tokenOf(invited.link))).toMatchObject({
      email: 'new@example.com',
      purpose: 'invite',
    });
    await expect(links.redeem(tokenOf(invited.link), 'new@example.com')).rejects.toThrow(
      'Password not accepted',
    );
    await expect(links.redeem(tokenOf(invited.link), 'short')).rejects.toThrow('Password not accepted');
    await links.redeem(tokenOf(invited.link), newPassword);
    await expect(links.redeem(tokenOf(invited.link), `${newPassword}!`)).rejects.toThrow(
      'invalid, used or expired',
    );

    expect(await t.works(await t.session('new@example.com', newPassword))).toBe(200);
    expect((await ana.platform.users.list.query()).find((u) => u.email === 'new@example.com')?.status).toBe(
      'active',
    );
    expect(await t.audit('user.invited')).toEqual([
      expect.objectContaining({
        entityId: invited.user.id,
        after: expect.objectContaining({ role: 'editor' }),
      }),
    ]);
    expect(JSON.stringify(await t.audit('user.invited'))).not.toContain(tokenOf(invited.link));
  });

  it('refuses an invitation link after 72 hours and a second invitation of a member', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const invited = await ana.platform.users.invite.mutate({ email: 'late@example.com', role: 'viewer' });
    if (invited.delivery !== 'link') throw new Error('expected a link');

    t.clock.advanceSeconds(72 * 3600 + 1);

    await expect(t.root.resolve(PasswordLinks).redeem(tokenOf(invited.link), newPassword)).rejects.toThrow(
      'invalid, used or expired',
    );
    const again = await t.call(await t.session('ana@example.com'), 'platform.users.invite', {
      email: 'late@example.com',
      role: 'viewer',
    });
    expect([again.status, again.body.error.data.code]).toEqual([409, 'CONFLICT']);
  });

  it('adds an existing account of another realm without a link', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));

    const invited = await ana.platform.users.invite.mutate({ email: 'oli@example.com', role: 'viewer' });

    expect(invited).toMatchObject({ user: { id: t.ids.oli }, delivery: 'none', expiresAt: null });
  });

  it('disables a user at once: open session and API token refused; enabling lets them log in again', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const vicSession = await t.session('vic@example.com');
    const vicToken = await (await t.callerOf(vicSession)).platform.tokens.create.mutate({ name: 'ci' });
    expect(await t.works(vicSession)).toBe(200);
    expect(await t.works({ bearer: vicToken.token })).toBe(200);

    await ana.platform.users.disable.mutate({ userId: t.ids.vic });

    expect(await t.works(vicSession)).toBe(401);
    expect(await t.works({ bearer: vicToken.token })).toBe(401);
    await expect(t.session('vic@example.com')).rejects.toThrow('This account is disabled');
    expect((await ana.platform.users.list.query()).find((u) => u.id === t.ids.vic)?.status).toBe('disabled');

    await ana.platform.users.enable.mutate({ userId: t.ids.vic });

    expect(await t.works(await t.session('vic@example.com'))).toBe(200);
    expect(await t.works(vicSession)).toBe(401);
    expect((await t.audit('user.disabled'))[0]?.after).toMatchObject({
      sessionsRevoked: 1,
      apiTokensRevoked: 1,
    });
    expect(await t.audit('user.enabled')).toHaveLength(1);
  });

  it('refuses an admin disabling themself', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const answer = await t.call(ana, 'platform.users.disable', { userId: t.ids.ana });

    expect([answer.status, answer.body.error.message]).toEqual([400, 'You cannot disable your own account']);
    expect(await t.works(ana)).toBe(200);
  });

  it('sends a reset link that replaces the password and ends the user’s sessions', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const vicSession = await t.session('vic@example.com');

    const reset = await ana.platform.users.resetPassword.mutate({ userId: t.ids.vic });
    if (reset.delivery !== 'link') throw new Error('expected a link');
    expect(await t.works(vicSession)).toBe(200);
    await t.root.resolve(PasswordLinks).redeem(tokenOf(reset.link), newPassword);

    expect(await t.works(vicSession)).toBe(401);
    await expect(t.session('vic@example.com')).rejects.toThrow('Invalid email or password');
    expect(await t.works(await t.session('vic@example.com', newPassword))).toBe(200);
    expect(await t.audit('user.password_reset_requested')).toHaveLength(1);
  });

  it('changes the caller’s password with the current one and ends their other sessions', async () => {
    const t = await setup();
    const here = await t.session('vic@example.com');
    const elsewhere = await t.session('vic@example.com');

    const wrong = await t.call(here, 'platform.me.changePassword', {
      currentPassword: 'not it at all',
      newPassword,
    });
    const weak = await t.call(here, 'platform.me.changePassword', {
      currentPassword: testPassword,
      newPassword: 'vic@example.com',
    });
    const changed = await t.call(here, 'platform.me.changePassword', {
      currentPassword: testPassword,
      newPassword,
    });

    expect([wrong.status, weak.status]).toEqual([400, 400]);
    expect(changed.body.result.data).toEqual({ changed: true, sessionsRevoked: 1 });
    expect(await t.works(here)).toBe(200);
    expect(await t.works(elsewhere)).toBe(401);
    expect(await t.works(await t.session('vic@example.com', newPassword))).toBe(200);
    expect(await t.audit('user.password_changed')).toHaveLength(1);
  });

  it('lists the caller’s sessions with the current one marked, and signs out everywhere', async () => {
    const t = await setup();
    const here = await t.session('vic@example.com');
    const elsewhere = await t.session('vic@example.com');

    const sessions = await (await t.callerOf(here)).platform.me.sessions.query();
    expect(sessions.map((s) => s.current).sort()).toEqual([false, true]);

    const answer = await t.call(here, 'platform.me.signOutEverywhere', undefined, 'POST');

    expect(answer.body.result.data).toEqual({ revoked: 2 });
    expect([await t.works(here), await t.works(elsewhere)]).toEqual([401, 401]);
    expect((await t.audit('sessions.revoked'))[0]?.after).toMatchObject({ count: 2 });
  });
});
