import { createRequire } from 'node:module';
import {
  ApiTokenService,
  AuthenticationError,
  authenticateRequest,
  type PlatformDatabase,
  SESSION_COOKIE,
} from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { setupPolicyHub } from '../testing/policy-test-setup.ts';

type Credential = 'session' | 'token';

/**
 * Counts the statements the process sends to the database: every query of a PostgreSQL client,
 * every query, script and transaction of the embedded database. A counting wrapper, the database
 * stays real.
 */
function countStatements(db: PlatformDatabase): () => number {
  let count = 0;
  const restore: (() => void)[] = [];
  type Method = (...args: unknown[]) => unknown;
  const wrap = (target: Record<string, Method>, name: string) => {
    const original = target[name] as Method;
    target[name] = function (this: unknown, ...args: unknown[]) {
      count += 1;
      return original.apply(this, args);
    };
    restore.push(() => {
      target[name] = original;
    });
  };
  if (db.jobStore.kind === 'pglite') {
    const pglite = db.jobStore.pglite as unknown as Record<string, Method>;
    for (const name of ['query', 'exec', 'transaction']) wrap(pglite, name);
  } else {
    // The pg the platform's pool is built from.
    const pg = createRequire(import.meta.resolve('@nhi/platform'))('pg') as {
      Client: { prototype: Record<string, Method> };
    };
    wrap(pg.Client.prototype, 'query');
  }
  onTestFinished(() => {
    for (const undo of restore) undo();
  });
  return () => count;
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupPolicyHub(newDatabase);
  const ana = await hub.member('ana', 'admin');
  const login = await hub.loggedIn(ana.email);
  const sessionId = (await hub.auth.authenticate({ sessionToken: login.token })).principal;
  if (sessionId.kind !== 'user') throw new Error('a login is a user session');
  const tokens = (await hub.scopeOf('ana')).container.resolve(ApiTokenService);
  const token = await tokens.create({ name: 'ci' });

  function headersOf(credential: Credential, value?: string): Headers {
    return credential === 'token'
      ? new Headers({ authorization: `Bearer ${value ?? token.token}` })
      : new Headers({ cookie: `${SESSION_COOKIE}=${value ?? login.token}` });
  }

  /** What the guards of every procedure and serverFn run: who, in which realm, allowed to do what. */
  function call(credential: Credential, value?: string) {
    return authenticateRequest(hub.root, { headers: headersOf(credential, value), requestId: 'req' });
  }

  async function outcome(credential: Credential, value?: string): Promise<string> {
    try {
      const scope = await call(credential, value);
      return `realm ${scope.context.realm.slug}`;
    } catch (error) {
      if (error instanceof AuthenticationError) return 'refused';
      throw error;
    }
  }

  return { hub, ana, login, sessionId: sessionId.sessionId, token, tokens, call, outcome };
}

type Setup = Awaited<ReturnType<typeof setup>>;

const endings: { change: string; ends: Credential[]; act: (t: Setup) => Promise<unknown> }[] = [
  { change: 'logging out', ends: ['session'], act: (t) => t.hub.auth.logout(t.sessionId) },
  { change: 'revoking the API token', ends: ['token'], act: (t) => t.tokens.revoke(t.token.id) },
  {
    change: 'disabling the user',
    ends: ['session', 'token'],
    act: (t) =>
      t.hub.db.systemPrisma.user.update({ where: { id: t.ana.id }, data: { disabledAt: t.hub.clock.now() } }),
  },
  {
    change: 'removing the membership',
    ends: ['session', 'token'],
    act: (t) =>
      t.hub.db.systemPrisma.realmMembership.delete({
        where: { realmId_userId: { realmId: t.hub.realm.id, userId: t.ana.id } },
      }),
  },
];

describeEachDatabase('authentication of each request', (_kind, newDatabase) => {
  describe.each(endings)('$change', ({ act, ends }) => {
    it.each(['session', 'token'] as const)(
      'decides for a %s this process has already verified on the very next request',
      async (credential) => {
        const t = await setup(newDatabase);
        await t.call(credential);
        await t.call(credential);

        await act(t);

        expect(await t.outcome(credential)).toBe(ends.includes(credential) ? 'refused' : 'realm hub');
      },
    );
  });

  it.each(['session', 'token'] as const)(
    'gives a %s the permissions of a changed role on the very next request',
    async (credential) => {
      const t = await setup(newDatabase);
      expect((await t.call(credential)).permissions.has('member:manage')).toBe(true);

      await t.hub.realmAdmin.setRole({ email: t.ana.email, realmSlug: 'hub', role: 'viewer' });

      const after = await t.call(credential);
      expect(after.permissions.has('member:manage')).toBe(false);
      expect(after.permissions.has('realm:read')).toBe(true);
    },
  );

  it('never lets a credential verified for one realm act in another', async () => {
    const t = await setup(newDatabase);
    const { realm: other } = await t.hub.otherRealmAdmin();
    await t.hub.realmAdmin.createUser({ email: t.ana.email, realmSlug: 'other', role: 'viewer' });
    const switched = await t.hub.auth.switchRealm({ userId: t.ana.id, sessionId: t.sessionId }, 'other');

    // The same user, one session and one token per realm, used in turns.
    for (let round = 0; round < 2; round++) {
      const hubSession = await t.call('session');
      const otherSession = await t.call('session', switched.token);
      const hubToken = await t.call('token');
      expect(hubSession.context.realm.id).toBe(t.hub.realm.id);
      expect(otherSession.context.realm.id).toBe(other.id);
      expect(hubToken.context.realm.id).toBe(t.hub.realm.id);
      expect(otherSession.permissions.has('member:manage')).toBe(false);
      expect(hubSession.permissions.has('member:manage')).toBe(true);
    }

    await t.hub.db.systemPrisma.realmMembership.delete({
      where: { realmId_userId: { realmId: other.id, userId: t.ana.id } },
    });

    expect(await t.outcome('session', switched.token)).toBe('refused');
    expect(await t.outcome('session')).toBe('realm hub');
    expect(await t.outcome('token')).toBe('realm hub');
  });

  it('renews a verified session past half its life and refuses it once expired', async () => {
    const t = await setup(newDatabase);
    expect((await t.call('session')).renewedToken).toBeUndefined();

    t.hub.clock.advanceSeconds(t.hub.config.NHI_SESSION_TTL_SECONDS / 2 + 1);
    const renewed = (await t.call('session')).renewedToken;

    expect(renewed).toBeDefined();
    expect(await t.outcome('session', renewed?.token)).toBe('realm hub');
    t.hub.clock.advanceSeconds(t.hub.config.NHI_SESSION_TTL_SECONDS / 2);
    expect(await t.outcome('session')).toBe('refused');
    expect(await t.outcome('session', renewed?.token)).toBe('realm hub');
  });

  it.each(['session', 'token'] as const)(
    'authenticates and authorizes a %s it has verified before in one statement',
    async (credential) => {
      const t = await setup(newDatabase);
      await t.call(credential);
      const statements = countStatements(t.hub.db);

      const before = statements();
      await t.call(credential);
      const used = statements() - before;

      expect(used).toBe(1);
    },
  );

  it('notes an API token’s use at most once a minute however often it calls', async () => {
    const t = await setup(newDatabase);
    const lastUsed = async () =>
      (await t.hub.db.systemPrisma.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).lastUsedAt;
    await t.call('token');
    const firstUse = t.hub.clock.now();
    const statements = countStatements(t.hub.db);

    const before = statements();
    for (let i = 0; i < 5; i++) await t.call('token');
    const perCall = (statements() - before) / 5;
    const afterFiveCalls = await lastUsed();
    t.hub.clock.advanceSeconds(61);
    await t.call('token');

    expect(perCall).toBe(1);
    expect(afterFiveCalls).toEqual(firstUse);
    expect(await lastUsed()).toEqual(t.hub.clock.now());
  });
});
