import { expect, it } from 'vitest';
import {
  AuthenticationError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../errors/domain-errors.ts';
import { describeEachDatabase } from '../../testing/describe-each-database.ts';
import type { LoginResult } from '../auth.service.ts';
import { setupHub, testPassword } from '../auth-test-setup.ts';
import { MfaService } from './mfa.service.ts';
import type { MfaChallenge } from './mfa-challenges.ts';
import { totpCodeAt } from './totp.ts';

const ip = '203.0.113.7';

async function enrolledHub(newDatabase: Parameters<typeof setupHub>[0], env: Record<string, string> = {}) {
  const hub = await setupHub(newDatabase, env);
  const realm = await hub.realm('hub', 'Hub');
  const user = await hub.member('ada@example.com', 'hub', 'editor');
  const mfa = hub.root.resolve(MfaService);
  const actor = {
    principal: { kind: 'user' as const, userId: user.id, email: user.email, sessionId: 's1' },
    realmId: realm.id,
  };
  const { secret, uri } = await mfa.beginEnrolment(user.id, testPassword);
  const { recoveryCodes } = await mfa.confirmEnrolment(actor, await totpCodeAt(secret, hub.clock.now()));
  // The next step: the enrolment code's step is spent.
  hub.clock.advanceSeconds(30);
  const code = () => totpCodeAt(secret, hub.clock.now());
  const challenge = async () => {
    const outcome = await hub.auth.passwordLogin({ email: 'ada@example.com', password: testPassword, ip });
    expect(outcome).toMatchObject({ purpose: 'verify' });
    return (outcome as MfaChallenge).challenge;
  };
  return { hub, realm, user, mfa, actor, secret, uri, recoveryCodes, code, challenge };
}

async function auditActions(hub: Awaited<ReturnType<typeof setupHub>>): Promise<string[]> {
  const rows = await hub.db.systemPrisma.auditLog.findMany({
    where: { action: { startsWith: 'mfa.' } },
    select: { action: true },
    orderBy: { createdAt: 'asc' },
  });
  return rows.map((row) => row.action);
}

describeEachDatabase('TOTP second factor', (_kind, newDatabase) => {
  it('enrols with the password and a first code, keeping the secret sealed and the recovery codes hashed', async () => {
    const { hub, user, mfa, secret, uri, recoveryCodes } = await enrolledHub(newDatabase);

    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\/NHI%20Hub:ada%40example\.com\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const row = await hub.db.systemPrisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.totpEnabledAt).not.toBeNull();
    expect(row.totpSecret).not.toContain(secret);
    const stored = await hub.db.systemPrisma.mfaRecoveryCode.findMany({ where: { userId: user.id } });
    expect(stored.map((code) => code.codeHash)).not.toContain(recoveryCodes[0]);
    expect(await mfa.status(user.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 10, requiredBy: [] });
    expect(await auditActions(hub)).toEqual(['mfa.enabled']);
  });

  it('refuses to begin enrolment with a wrong password and to confirm with a wrong code', async () => {
    const hub = await setupHub(newDatabase);
    const realm = await hub.realm('hub');
    const user = await hub.member('bo@example.com', 'hub');
    const mfa = hub.root.resolve(MfaService);
    const actor = {
      principal: { kind: 'user' as const, userId: user.id, email: user.email, sessionId: 's' },
      realmId: realm.id,
    };

    await expect(mfa.beginEnrolment(user.id, 'not the password')).rejects.toThrow(ValidationError);
    await mfa.beginEnrolment(user.id, testPassword);
    await expect(mfa.confirmEnrolment(actor, '000000')).rejects.toThrow('Wrong or already used code');
    expect((await mfa.status(user.id)).enabled).toBe(false);
  });

  it('answers a password login with a challenge, not a session, and a code finishes it', async () => {
    const { hub, mfa, code, challenge } = await enrolledHub(newDatabase);

    const pending = await challenge();
    expect(await hub.db.systemPrisma.session.count()).toBe(0);
    await expect(hub.auth.authenticate({ sessionToken: pending })).rejects.toThrow(AuthenticationError);
    await expect(hub.auth.login({ email: 'ada@example.com', password: testPassword, ip })).rejects.toThrow(
      'second factor',
    );

    const session: LoginResult = await mfa.completeLogin({ challenge: pending, code: await code(), ip });
    expect(session.user.email).toBe('ada@example.com');
    await expect(hub.auth.authenticate({ sessionToken: session.token })).resolves.toMatchObject({
      principal: { kind: 'user', email: 'ada@example.com' },
    });
  });

  it('accepts a code once: the same code is refused the second time', async () => {
    const { mfa, code, challenge } = await enrolledHub(newDatabase);
    const used = await code();

    await mfa.completeLogin({ challenge: await challenge(), code: used, ip });
    await expect(mfa.completeLogin({ challenge: await challenge(), code: used, ip })).rejects.toThrow(
      'Wrong or already used code',
    );
  });

  it('accepts a code of the step before or after, not two steps away', async () => {
    const { hub, mfa, secret, challenge } = await enrolledHub(newDatabase);
    hub.clock.advanceSeconds(60);
    const previous = await totpCodeAt(secret, new Date(hub.clock.now().getTime() - 30_000));
    const stale = await totpCodeAt(secret, new Date(hub.clock.now().getTime() - 60_000));

    await expect(mfa.completeLogin({ challenge: await challenge(), code: stale, ip })).rejects.toThrow(
      AuthenticationError,
    );
    await expect(
      mfa.completeLogin({ challenge: await challenge(), code: previous, ip }),
    ).resolves.toBeDefined();
  });

  it('counts wrong codes in the login throttle of the account and refuses once the limit is reached', async () => {
    const { mfa, code, challenge } = await enrolledHub(newDatabase, { NHI_LOGIN_MAX_ATTEMPTS: '3' });
    const pending = await challenge();

    for (let i = 0; i < 3; i++) {
      await expect(mfa.completeLogin({ challenge: pending, code: '000000', ip })).rejects.toThrow(
        AuthenticationError,
      );
    }
    // The right code and the right password alike wait now: a known password does not reset the count.
    await expect(mfa.completeLogin({ challenge: pending, code: await code(), ip })).rejects.toThrow(
      RateLimitedError,
    );
    await expect(challenge()).rejects.toThrow(RateLimitedError);
  });

  it('does not let a right password reset the count of wrong codes', async () => {
    const { mfa, challenge } = await enrolledHub(newDatabase, { NHI_LOGIN_MAX_ATTEMPTS: '2' });

    await expect(mfa.completeLogin({ challenge: await challenge(), code: '000000', ip })).rejects.toThrow(
      AuthenticationError,
    );
    await expect(mfa.completeLogin({ challenge: await challenge(), code: '111111', ip })).rejects.toThrow(
      AuthenticationError,
    );
    await expect(challenge()).rejects.toThrow(RateLimitedError);
  });

  it('accepts each recovery code once and audits its use', async () => {
    const { hub, mfa, user, recoveryCodes, challenge } = await enrolledHub(newDatabase);
    const [first] = recoveryCodes as [string];

    const session = await mfa.completeLogin({
      challenge: await challenge(),
      recoveryCode: first.toLowerCase(),
      ip,
    });
    expect(session.user.id).toBe(user.id);
    await expect(
      mfa.completeLogin({ challenge: await challenge(), recoveryCode: first, ip }),
    ).rejects.toThrow('Wrong or already used code');
    expect((await mfa.status(user.id)).recoveryCodesLeft).toBe(9);
    expect(await auditActions(hub)).toEqual(['mfa.enabled', 'mfa.recovery_code_used']);
  });

  it('refuses a challenge that expired or one for another purpose', async () => {
    const { hub, mfa, code, challenge } = await enrolledHub(newDatabase);
    const pending = await challenge();
    hub.clock.advanceSeconds(5 * 60 + 1);

    await expect(mfa.completeLogin({ challenge: pending, code: await code(), ip })).rejects.toThrow(
      'The login step expired',
    );
    await expect(mfa.beginEnrolmentAtLogin(await challenge())).rejects.toThrow('The login step expired');
  });

  it('disables with the password and a code, and logs in with the password alone afterwards', async () => {
    const { hub, mfa, user, actor, code } = await enrolledHub(newDatabase);

    await expect(mfa.disable(actor, testPassword, { code: '000000' })).rejects.toThrow(ValidationError);
    await expect(mfa.disable(actor, 'wrong', { code: await code() })).rejects.toThrow('Wrong password');
    await mfa.disable(actor, testPassword, { code: await code() });

    expect(await mfa.status(user.id)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    expect(await hub.db.systemPrisma.mfaRecoveryCode.count()).toBe(0);
    await expect(hub.loggedIn('ada@example.com')).resolves.toMatchObject({ user: { id: user.id } });
    expect(await auditActions(hub)).toEqual(['mfa.enabled', 'mfa.disabled']);
  });

  it('lets an operator remove a lost second factor, recorded in each realm of the user', async () => {
    const { hub, mfa, user } = await enrolledHub(newDatabase);

    await expect(mfa.resetByOperator('nobody@example.com', 'cli')).rejects.toThrow(NotFoundError);
    expect(await mfa.resetByOperator('Ada@Example.com', 'cli')).toBe(true);
    expect(await mfa.resetByOperator('ada@example.com', 'cli')).toBe(false);

    expect(await mfa.status(user.id)).toMatchObject({ enabled: false, recoveryCodesLeft: 0 });
    await expect(hub.loggedIn('ada@example.com')).resolves.toMatchObject({ user: { id: user.id } });
    const reset = await hub.db.systemPrisma.auditLog.findFirstOrThrow({ where: { actorId: 'cli' } });
    expect(reset).toMatchObject({ action: 'mfa.disabled', actorId: 'cli', entityId: user.id });
  });

  it('sends a member of a realm that requires TOTP to enrolment before any session', async () => {
    const hub = await setupHub(newDatabase);
    const realm = await hub.realm('hub');
    const admin = await hub.member('root@example.com', 'hub', 'admin');
    await hub.member('cy@example.com', 'hub');
    const mfa = hub.root.resolve(MfaService);
    const adminActor = {
      principal: { kind: 'user' as const, userId: admin.id, email: admin.email, sessionId: 's' },
      realmId: realm.id,
    };
    await mfa.setRealmRequirement(adminActor, true);

    const outcome = await hub.auth.passwordLogin({ email: 'cy@example.com', password: testPassword, ip });
    expect(outcome).toMatchObject({ purpose: 'enrol' });
    const { challenge } = outcome as MfaChallenge;
    await expect(mfa.completeLogin({ challenge, code: '123456', ip })).rejects.toThrow(
      'The login step expired',
    );
    expect(await hub.db.systemPrisma.session.count()).toBe(0);

    const { secret } = await mfa.beginEnrolmentAtLogin(challenge);
    await expect(mfa.confirmEnrolmentAtLogin({ challenge, code: '000000', ip })).rejects.toThrow(
      ValidationError,
    );
    const { recoveryCodes, session } = await mfa.confirmEnrolmentAtLogin({
      challenge,
      code: await totpCodeAt(secret, hub.clock.now()),
      ip,
    });
    expect(recoveryCodes).toHaveLength(10);
    await expect(hub.auth.authenticate({ sessionToken: session.token })).resolves.toBeDefined();
    expect(await auditActions(hub)).toEqual(['mfa.realm_requirement', 'mfa.enabled']);
    hub.clock.advanceSeconds(30);
    expect(
      await hub.auth.passwordLogin({ email: 'cy@example.com', password: testPassword, ip }),
    ).toMatchObject({
      purpose: 'verify',
    });
  });
});
