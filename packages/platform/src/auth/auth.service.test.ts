import { expect, it } from 'vitest';
import { AuthenticationError, NotFoundError, RateLimitedError } from '../errors/domain-errors.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { setupHub, testPassword } from './auth-test-setup.ts';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describeEachDatabase('logging in', (_kind, newDatabase) => {
  it('opens a session in the hub realm and returns a token for it', async () => {
    const hub = await setupHub(newDatabase, { NHI_SESSION_TTL_SECONDS: '3600' });
    const realm = await hub.realm('hub', 'Hub');
    await hub.realm('alpha', 'Alpha');
    const user = await hub.member('ada@example.com', 'hub', 'editor');
    await hub.realmAdmin.createUser({ email: 'ada@example.com', realmSlug: 'alpha', role: 'viewer' });

    const result = await hub.auth.login({
      email: 'Ada@Example.com ',
      password: testPassword,
      ip: '203.0.113.7',
    });

    expect(result.user).toEqual({ id: user.id, email: 'ada@example.com' });
    expect(result.realm).toEqual({ id: realm.id, slug: 'hub', name: 'Hub' });
    expect(result.expiresAt).toEqual(new Date(hub.clock.now().getTime() + 3600_000));
    const session = await hub.db.systemPrisma.session.findFirstOrThrow({ where: { userId: user.id } });
    expect(session).toMatchObject({ revokedAt: null, expiresAt: result.expiresAt });
    const authenticated = await hub.auth.authenticate({ sessionToken: result.token });
    expect(authenticated).toEqual({
      principal: { kind: 'user', userId: user.id, email: 'ada@example.com', sessionId: session.id },
      realm: { id: realm.id, slug: 'hub' },
      policyEpoch: expect.any(BigInt),
    });
  });

  it('lands outside the hub realm in the first realm by name', async () => {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('zulu', 'Zulu');
    await hub.realm('bravo', 'Bravo');
    await hub.member('bo@example.com', 'zulu');
    await hub.realmAdmin.createUser({ email: 'bo@example.com', realmSlug: 'bravo', role: 'viewer' });

    expect((await hub.loggedIn('bo@example.com')).realm.slug).toBe('bravo');
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub');
    await hub.member('cy@example.com', 'hub');

    const unknown = await rejection(
      hub.auth.login({ email: 'nobody@example.com', password: testPassword, ip: '1.1.1.1' }),
    );
    const wrong = await rejection(
      hub.auth.login({ email: 'cy@example.com', password: 'not the password', ip: '1.1.1.1' }),
    );

    for (const error of [unknown, wrong]) {
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toBe('Invalid email or password');
    }
    expect(await hub.db.systemPrisma.session.count()).toBe(0);
  });

  it('refuses disabled users and users without any realm', async () => {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub');
    const disabled = await hub.member('dee@example.com', 'hub');
    await hub.db.systemPrisma.user.update({
      where: { id: disabled.id },
      data: { disabledAt: hub.clock.now() },
    });
    const homeless = await hub.member('eve@example.com', 'hub');
    await hub.db.systemPrisma.realmMembership.deleteMany({ where: { userId: homeless.id } });

    await expect(hub.loggedIn('dee@example.com')).rejects.toThrow(AuthenticationError);
    await expect(hub.loggedIn('eve@example.com')).rejects.toThrow('This account has no access to any realm');
    expect(await hub.db.systemPrisma.session.count()).toBe(0);
  });

  it('is rate limited per email and address, with a clear message', async () => {
    const hub = await setupHub(newDatabase, { NHI_LOGIN_MAX_ATTEMPTS: '3', NHI_LOGIN_WINDOW_SECONDS: '900' });
    await hub.realm('hub');
    await hub.member('fay@example.com', 'hub');
    const attempt = (password: string, ip = '198.51.100.1') =>
      hub.auth.login({ email: 'fay@example.com', password, ip });

    for (let i = 0; i < 3; i++) await expect(attempt('guess')).rejects.toThrow(AuthenticationError);
    const limited = await rejection(attempt(testPassword));

    expect(limited).toBeInstanceOf(RateLimitedError);
    const { retryAfterSeconds, message } = limited as RateLimitedError;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(900);
    expect(message).toBe(`Too many attempts. Try again in ${retryAfterSeconds} seconds.`);
    await expect(attempt(testPassword, '198.51.100.2')).resolves.toMatchObject({
      user: { email: 'fay@example.com' },
    });
  });

  it('is rate limited per address across emails', async () => {
    const hub = await setupHub(newDatabase, { NHI_LOGIN_MAX_ATTEMPTS: '2' });
    await hub.realm('hub');
    await hub.member('gil@example.com', 'hub');

    // The address allowance is four times the per-account one.
    for (let i = 0; i < 8; i++) {
      await expect(
        hub.auth.login({ email: `stranger${i}@example.com`, password: 'guess', ip: '192.0.2.9' }),
      ).rejects.toThrow(AuthenticationError);
    }
    await expect(
      hub.auth.login({ email: 'gil@example.com', password: testPassword, ip: '192.0.2.9' }),
    ).rejects.toThrow(RateLimitedError);
  });

  it('forgets earlier failures of an account after a successful login', async () => {
    const hub = await setupHub(newDatabase, { NHI_LOGIN_MAX_ATTEMPTS: '2' });
    await hub.realm('hub');
    await hub.member('hal@example.com', 'hub');
    const attempt = (password: string) =>
      hub.auth.login({ email: 'hal@example.com', password, ip: '192.0.2.1' });

    await expect(attempt('guess')).rejects.toThrow(AuthenticationError);
    await attempt(testPassword);
    await expect(attempt('guess')).rejects.toThrow(AuthenticationError);
    await expect(attempt(testPassword)).resolves.toBeDefined();
  });
});

describeEachDatabase('session authentication', (_kind, newDatabase) => {
  async function loggedInHub(env: Record<string, string> = {}) {
    const hub = await setupHub(newDatabase, env);
    await hub.realm('hub', 'Hub');
    await hub.realm('alpha', 'Alpha');
    const user = await hub.member('ivy@example.com', 'hub', 'admin');
    await hub.realmAdmin.createUser({ email: 'ivy@example.com', realmSlug: 'alpha', role: 'viewer' });
    const login = await hub.loggedIn('ivy@example.com');
    return { ...hub, user, login };
  }

  it('requires a credential', async () => {
    const hub = await setupHub(newDatabase);
    await expect(hub.auth.authenticate({})).rejects.toThrow(AuthenticationError);
  });

  it('works in the realm a page names, any of the user’s, and finds no other', async () => {
    const hub = await loggedInHub();
    const secret = await hub.realm('secret');
    const alpha = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { slug: 'alpha' } });

    const inAlpha = await hub.auth.authenticate({ sessionToken: hub.login.token, realmSlug: 'alpha' });
    const inHub = await hub.auth.authenticate({ sessionToken: hub.login.token });

    expect(inAlpha.realm).toEqual({ id: alpha.id, slug: 'alpha' });
    expect(inHub.realm.slug).toBe('hub');
    for (const realmSlug of [secret.slug, 'nowhere']) {
      await expect(hub.auth.authenticate({ sessionToken: hub.login.token, realmSlug })).rejects.toThrow(
        NotFoundError,
      );
    }
    // The session itself is untouched by a realm it could not enter.
    expect((await hub.auth.authenticate({ sessionToken: hub.login.token })).realm.slug).toBe('hub');
  });

  it('lands the next login in the realm the user last chose while still a member', async () => {
    const hub = await loggedInHub();
    const principal = (await hub.auth.authenticate({ sessionToken: hub.login.token })).principal;
    if (principal.kind !== 'user') throw new Error('expected a user');

    await hub.auth.switchRealm(principal, 'alpha');
    expect((await hub.loggedIn('ivy@example.com')).realm.slug).toBe('alpha');

    await hub.db.systemPrisma.realmMembership.deleteMany({
      where: { userId: hub.user.id, realm: { slug: 'alpha' } },
    });
    expect((await hub.loggedIn('ivy@example.com')).realm.slug).toBe('hub');
  });

  it('stops every token of a session at logout', async () => {
    const hub = await loggedInHub();
    const principal = (await hub.auth.authenticate({ sessionToken: hub.login.token })).principal;
    if (principal.kind !== 'user') throw new Error('expected a user');
    const switched = await hub.auth.switchRealm(principal, 'alpha');

    await hub.auth.logout(principal.sessionId);

    await expect(hub.auth.authenticate({ sessionToken: hub.login.token })).rejects.toThrow(
      AuthenticationError,
    );
    await expect(hub.auth.authenticate({ sessionToken: switched.token })).rejects.toThrow(
      AuthenticationError,
    );
    await expect(hub.auth.switchRealm(principal, 'hub')).rejects.toThrow(AuthenticationError);
  });

  it('refuses a token for a realm the user is not a member of', async () => {
    const hub = await loggedInHub();
    await hub.realm('secret');
    const principal = (await hub.auth.authenticate({ sessionToken: hub.login.token })).principal;
    if (principal.kind !== 'user') throw new Error('expected a user');
    const forged = await hub.sessionTokens.issue({
      userId: hub.user.id,
      sessionId: principal.sessionId,
      realmSlug: 'secret',
    });

    await expect(hub.auth.authenticate({ sessionToken: forged.token })).rejects.toThrow(AuthenticationError);
  });

  it('refuses a session once the user leaves the realm or is disabled', async () => {
    const hub = await loggedInHub();
    const hubRealm = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { slug: 'hub' } });
    await hub.db.systemPrisma.realmMembership.delete({
      where: { realmId_userId: { realmId: hubRealm.id, userId: hub.user.id } },
    });
    await expect(hub.auth.authenticate({ sessionToken: hub.login.token })).rejects.toThrow(
      AuthenticationError,
    );

    const again = await hub.loggedIn('ivy@example.com');
    expect(again.realm.slug).toBe('alpha');
    await hub.db.systemPrisma.user.update({
      where: { id: hub.user.id },
      data: { disabledAt: hub.clock.now() },
    });
    await expect(hub.auth.authenticate({ sessionToken: again.token })).rejects.toThrow(AuthenticationError);
  });

  it('refuses a token whose session row is gone or belongs to someone else', async () => {
    const hub = await loggedInHub();
    const other = await hub.member('jo@example.com', 'hub');
    const principal = (await hub.auth.authenticate({ sessionToken: hub.login.token })).principal;
    if (principal.kind !== 'user') throw new Error('expected a user');
    const borrowed = await hub.sessionTokens.issue({
      userId: other.id,
      sessionId: principal.sessionId,
      realmSlug: 'hub',
    });
    await expect(hub.auth.authenticate({ sessionToken: borrowed.token })).rejects.toThrow(
      AuthenticationError,
    );

    await hub.db.systemPrisma.session.deleteMany({});
    await expect(hub.auth.authenticate({ sessionToken: hub.login.token })).rejects.toThrow(
      AuthenticationError,
    );
  });

  it('renews a token past half its life, and the renewed token outlives the first', async () => {
    const hub = await loggedInHub({ NHI_SESSION_TTL_SECONDS: '1000' });
    hub.clock.advanceSeconds(400);
    expect((await hub.auth.authenticate({ sessionToken: hub.login.token })).renewedToken).toBeUndefined();

    hub.clock.advanceSeconds(200);
    const { renewedToken, principal } = await hub.auth.authenticate({ sessionToken: hub.login.token });

    expect(renewedToken?.expiresAt).toEqual(new Date(hub.clock.now().getTime() + 1000_000));
    hub.clock.advanceSeconds(500);
    await expect(hub.auth.authenticate({ sessionToken: hub.login.token })).rejects.toThrow('Session expired');
    const renewed = await hub.auth.authenticate({ sessionToken: renewedToken?.token ?? '' });
    expect(renewed.principal).toEqual(principal);
  });

  it('ends a session that was not renewed within its lifetime', async () => {
    const hub = await loggedInHub({ NHI_SESSION_TTL_SECONDS: '1000' });
    hub.clock.advanceSeconds(1000);
    await expect(hub.auth.authenticate({ sessionToken: hub.login.token })).rejects.toThrow('Session expired');
  });

  it('switches realm within the same session, and only into realms of the user', async () => {
    const hub = await loggedInHub();
    const alpha = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { slug: 'alpha' } });
    await hub.realm('secret');
    const before = await hub.auth.authenticate({ sessionToken: hub.login.token });
    if (before.principal.kind !== 'user') throw new Error('expected a user');

    const switched = await hub.auth.switchRealm(before.principal, 'alpha');
    const after = await hub.auth.authenticate({ sessionToken: switched.token });

    expect(switched.realm).toEqual({ id: alpha.id, slug: 'alpha', name: 'Alpha' });
    expect(after).toEqual({
      principal: before.principal,
      realm: { id: alpha.id, slug: 'alpha' },
      policyEpoch: expect.any(BigInt),
    });
    await expect(hub.auth.switchRealm(before.principal, 'secret')).rejects.toThrow(NotFoundError);
    await expect(hub.auth.switchRealm(before.principal, 'nowhere')).rejects.toThrow(NotFoundError);
  });

  it('lists the realms of a user with the role in each, by name', async () => {
    const hub = await loggedInHub();
    await hub.realm('secret');

    expect(await hub.auth.realmsOf(hub.user.id)).toEqual([
      { id: expect.any(String), slug: 'alpha', name: 'Alpha', role: 'viewer' },
      { id: expect.any(String), slug: 'hub', name: 'Hub', role: 'admin' },
    ]);
  });
});
