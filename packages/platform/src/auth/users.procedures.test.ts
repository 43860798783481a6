import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { authenticateRequest, openRequestScope } from '../guards/request-scope.ts';
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

describeEachDatabase('platform.users and platform.me', (kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    const hubRealm = await hub.realm('hub', 'Hub');
    const labRealm = await hub.realm('lab', 'Lab');
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
    /** The operator's tools act as system code: every permission, and nobody's own account. */
    async function systemCaller() {
      const scope = await openRequestScope(hub.root, {
        context: {
          requestId: 'req-3',
          realm: hubRealm,
          principal: { kind: 'system', name: 'test' },
          clock: hub.clock,
        },
        credential: 'bearer',
      });
      return createCaller(appRouter, hub.root, scope);
    }
    return {
      ...hub,
      systemCaller,
      ids: { ana: ana.id, vic: vic.id, oli: oli.id, sam: sam.id },
      realms: { hub: hubRealm.id, lab: labRealm.id },
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
      await t.call(vic, 'platform.users.setRole', { userId: t.ids.sam, role: 'viewer' }),
      await t.call(vic, 'platform.users.remove', { userId: t.ids.sam }),
    ];

    expect(answers.map((a) => [a.status, a.body.error?.data.code])).toEqual(
      Array(7).fill([403, 'FORBIDDEN']),
    );
    expect((await (await t.callerOf(vic)).platform.whoami.query()).permissions).not.toContain('user:manage');
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

    const owned = await t.db.systemPrisma.nhi.create({
      data: {
        realmId: t.realms.hub,
        kind: 'service_account',
        provider: 'aws',
        externalId: 'deployer',
        name: 'deployer',
        ownerUserId: t.ids.vic,
      },
    });
    await ana.platform.users.disable.mutate({ userId: t.ids.vic });

    // Its owner's identities are evaluated for nhi1.owner_inactive at once.
    expect(
      await t.db.systemPrisma.domainEvent.findMany({
        where: { type: 'member.deactivated' },
        select: { realmId: true, subjectIds: true },
      }),
    ).toEqual([{ realmId: t.realms.hub, subjectIds: [owned.id] }]);
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

  it('changes a member’s role in the realm, with permissions following at their next request', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const vicSession = await t.session('vic@example.com');
    expect((await t.call(vicSession, 'platform.users.list')).status).toBe(403);

    const promoted = await ana.platform.users.setRole.mutate({ userId: t.ids.vic, role: 'admin' });

    expect(promoted).toEqual({ id: t.ids.vic, role: 'admin', changed: true });
    expect((await t.call(vicSession, 'platform.users.list')).status).toBe(200);

    await ana.platform.users.setRole.mutate({ userId: t.ids.vic, role: 'viewer' });

    expect((await t.call(vicSession, 'platform.users.list')).status).toBe(403);
    expect((await ana.platform.users.list.query()).find((u) => u.id === t.ids.vic)?.role).toBe('viewer');
    expect(
      await t.db.systemPrisma.auditLog.findMany({
        where: { action: 'member.set_role' },
        select: { realmId: true, entityId: true, before: true, after: true },
        orderBy: { createdAt: 'asc' },
      }),
    ).toEqual([
      { realmId: t.realms.hub, entityId: t.ids.vic, before: { role: 'viewer' }, after: { role: 'admin' } },
      { realmId: t.realms.hub, entityId: t.ids.vic, before: { role: 'admin' }, after: { role: 'viewer' } },
    ]);
  });

  it('changes the role of an account shared with other realms in this realm only', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));

    await ana.platform.users.setRole.mutate({ userId: t.ids.sam, role: 'viewer' });

    expect(
      await t.db.systemPrisma.realmMembership.findMany({
        where: { userId: t.ids.sam },
        select: { realmId: true, role: true },
        orderBy: { role: 'asc' },
      }),
    ).toEqual(
      expect.arrayContaining([
        { realmId: t.realms.hub, role: 'viewer' },
        { realmId: t.realms.lab, role: 'viewer' },
      ]),
    );
    const unchanged = await ana.platform.users.setRole.mutate({ userId: t.ids.sam, role: 'viewer' });
    expect(unchanged.changed).toBe(false);
    expect(await t.audit('member.set_role')).toHaveLength(1);
  });

  it('removes a member from the realm: its session and API token here are refused, the account keeps its other realms', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const samHere = await t.session('sam@example.com');
    const sam = await t.callerOf(samHere);
    const hereToken = await sam.platform.tokens.create.mutate({ name: 'hub ci' });
    const switched = await sam.platform.realms.switch.mutate({ slug: 'lab' });
    const samInLab = { session: switched.session?.token as string };
    const labToken = await (await t.callerOf(samInLab)).platform.tokens.create.mutate({ name: 'lab ci' });
    const group = await t.db.systemPrisma.policyGroup.create({
      data: { realmId: t.realms.hub, name: 'Ops' },
    });
    await t.db.systemPrisma.policyGroupMember.create({
      data: { realmId: t.realms.hub, groupId: group.id, userId: t.ids.sam },
    });
    const owned = await t.db.systemPrisma.nhi.create({
      data: {
        realmId: t.realms.hub,
        kind: 'service_account',
        provider: 'aws',
        externalId: 'uploader',
        name: 'uploader',
        ownerUserId: t.ids.sam,
      },
    });
    const refusedDisable = await t.call(await t.session('ana@example.com'), 'platform.users.disable', {
      userId: t.ids.sam,
    });
    expect(refusedDisable.body.error.message).toContain('Remove from realm');

    const removed = await ana.platform.users.remove.mutate({ userId: t.ids.sam });

    expect(removed).toEqual({ id: t.ids.sam, removed: true, apiTokensRevoked: 1 });
    expect(await t.works(samHere)).toBe(401);
    expect(await t.works({ bearer: hereToken.token })).toBe(401);
    expect(await t.works(samInLab)).toBe(200);
    expect(await t.works({ bearer: labToken.token })).toBe(200);
    const again = await t.session('sam@example.com');
    expect((await (await t.callerOf(again)).platform.whoami.query()).realm.slug).toBe('lab');
    expect((await ana.platform.users.list.query()).map((u) => u.email)).not.toContain('sam@example.com');
    expect(await t.db.systemPrisma.policyGroupMember.count({ where: { userId: t.ids.sam } })).toBe(0);
    expect(
      await t.db.systemPrisma.domainEvent.findMany({
        where: { type: 'member.deactivated' },
        select: { realmId: true, subjectIds: true },
      }),
    ).toEqual([{ realmId: t.realms.hub, subjectIds: [owned.id] }]);
    expect(await t.audit('member.remove')).toEqual([
      {
        realmId: t.realms.hub,
        entityId: t.ids.sam,
        after: { apiTokensRevoked: 1 },
      },
    ]);
    const twice = await t.call(await t.session('ana@example.com'), 'platform.users.remove', {
      userId: t.ids.sam,
    });
    expect([twice.status, twice.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('answers NOT_FOUND for a role change or removal of a user of another realm or of nobody', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const answers = [
      await t.call(ana, 'platform.users.setRole', { userId: t.ids.oli, role: 'viewer' }),
      await t.call(ana, 'platform.users.remove', { userId: t.ids.oli }),
      await t.call(ana, 'platform.users.setRole', { userId: crypto.randomUUID(), role: 'viewer' }),
      await t.call(ana, 'platform.users.remove', { userId: crypto.randomUUID() }),
    ];

    expect(answers.map((a) => [a.status, a.body.error?.data.code])).toEqual(
      Array(4).fill([404, 'NOT_FOUND']),
    );
    expect(await t.works(await t.session('oli@example.com'))).toBe(200);
    expect(await t.db.systemPrisma.realmMembership.count({ where: { userId: t.ids.oli } })).toBe(1);
  });

  it('refuses an admin changing their own role or removing themself', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const demoted = await t.call(ana, 'platform.users.setRole', { userId: t.ids.ana, role: 'editor' });
    const removed = await t.call(ana, 'platform.users.remove', { userId: t.ids.ana });

    expect([demoted.status, demoted.body.error.message]).toEqual([400, 'You cannot change your own role']);
    expect([removed.status, removed.body.error.message]).toEqual([
      400,
      'You cannot remove yourself from the realm',
    ]);
    expect((await t.call(ana, 'platform.users.list')).status).toBe(200);
  });

  it('refuses to leave the realm without an enabled admin', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    const system = await t.systemCaller();
    const lastAdmin = 'This realm would be left without an admin: make another member an admin first';

    await expect(system.platform.users.setRole.mutate({ userId: t.ids.ana, role: 'editor' })).rejects.toThrow(
      lastAdmin,
    );
    await expect(system.platform.users.remove.mutate({ userId: t.ids.ana })).rejects.toThrow(lastAdmin);
    // A disabled admin cannot act for the realm either.
    await ana.platform.users.setRole.mutate({ userId: t.ids.vic, role: 'admin' });
    await ana.platform.users.disable.mutate({ userId: t.ids.vic });
    await expect(system.platform.users.remove.mutate({ userId: t.ids.ana })).rejects.toThrow(lastAdmin);

    await ana.platform.users.enable.mutate({ userId: t.ids.vic });
    await system.platform.users.remove.mutate({ userId: t.ids.ana });

    expect(
      await t.db.systemPrisma.realmMembership.findMany({
        where: { realmId: t.realms.hub, role: 'admin' },
        select: { userId: true },
      }),
    ).toEqual([{ userId: t.ids.vic }]);
  });

  it('lets only one of two admins demoting each other at once succeed', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));
    await ana.platform.users.setRole.mutate({ userId: t.ids.vic, role: 'admin' });
    const vic = await t.callerOf(await t.session('vic@example.com'));
    const both = () =>
      Promise.allSettled([
        ana.platform.users.setRole.mutate({ userId: t.ids.vic, role: 'viewer' }),
        vic.platform.users.setRole.mutate({ userId: t.ids.ana, role: 'viewer' }),
      ]);

    // On PostgreSQL both changes are held at the admins' rows until both have read the realm as
    // it was, so they truly overlap; PGlite runs one transaction at a time.
    const outcomes = await (kind === 'postgres'
      ? t.db.systemPrisma
          .$transaction(async (tx) => {
            await tx.$queryRaw`SELECT 1 FROM "RealmMembership" WHERE role = 'admin' FOR UPDATE`;
            const running = both();
            await new Promise((resolve) => setTimeout(resolve, 500));
            // Wrapped: the lock is let go before the changes are awaited.
            return { running };
          })
          .then(({ running }) => running)
      : both());

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(
      await t.db.systemPrisma.realmMembership.count({ where: { realmId: t.realms.hub, role: 'admin' } }),
    ).toBe(1);
  });
});
