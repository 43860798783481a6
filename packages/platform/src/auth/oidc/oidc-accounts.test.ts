import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../testing/describe-each-database.ts';
import { setupHub, testPassword } from '../auth-test-setup.ts';
import { type AssertedIdentity, OidcAccounts } from './oidc-accounts.ts';

const rules = [
  { group: 'nhi-admins', realm: 'hub', role: 'admin' },
  { group: 'nhi-readers', realm: 'hub', role: 'viewer' },
  { group: 'nhi-readers', realm: 'ops', role: 'viewer' },
  { group: 'oncall', realm: 'hub', policyGroup: '/Security/Oncall' },
];

function providerEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NHI_OIDC_PROVIDERS: 'corp',
    NHI_OIDC_CORP_ISSUER: 'https://sso.example.test',
    NHI_OIDC_CORP_CLIENT_ID: 'nhi-hub',
    NHI_OIDC_CORP_NAME: 'Corp SSO',
    NHI_OIDC_CORP_MAP: JSON.stringify(rules),
    ...overrides,
  };
}

function asserted(groups: string[], overrides: Partial<AssertedIdentity> = {}): AssertedIdentity {
  return {
    subject: 'sub-ada',
    email: 'Ada@Example.test',
    emailVerified: true,
    name: 'Ada',
    groups,
    ...overrides,
  };
}

async function setup(newDatabase: Parameters<typeof setupHub>[0], env: Record<string, string> = {}) {
  const hub = await setupHub(newDatabase, providerEnv(env));
  const hubRealm = await hub.realm('hub', 'Hub');
  const ops = await hub.realm('ops', 'Operations');
  const accounts = hub.root.resolve(OidcAccounts);
  const provider = accounts.provider('corp');
  if (!provider) throw new Error('provider not configured');
  const signIn = (identity: AssertedIdentity) => accounts.signIn(provider, identity, { idToken: 'id-token' });
  const rolesOf = async (userId: string) =>
    Object.fromEntries(
      (
        await hub.db.systemPrisma.realmMembership.findMany({
          where: { userId },
          select: { role: true, realm: { select: { slug: true } } },
        })
      ).map((row) => [row.realm.slug, row.role]),
    );
  return { ...hub, hubRealm, ops, signIn, rolesOf };
}

describeEachDatabase('OIDC accounts', (_kind, newDatabase) => {
  it('creates the account at first login, with the memberships its groups map to and a session', async () => {
    const { signIn, rolesOf, db, hubRealm, auth } = await setup(newDatabase);

    const login = await signIn(asserted(['nhi-admins', 'nhi-readers', 'unmapped']));

    expect(login.user.email).toBe('ada@example.test');
    expect(login.realm.slug).toBe('hub');
    expect(await rolesOf(login.user.id)).toEqual({ hub: 'admin', ops: 'viewer' });
    const identity = await db.systemPrisma.userIdentity.findFirstOrThrow();
    expect(identity).toMatchObject({
      provider: 'corp',
      subject: 'sub-ada',
      userId: login.user.id,
      email: 'ada@example.test',
    });
    const session = await db.systemPrisma.session.findFirstOrThrow({ where: { userId: login.user.id } });
    // Kept for logout at the provider, sealed: never in clear, and logout hands it back.
    expect(session.identityProvider).toBe('corp');
    expect(session.idToken).not.toContain('id-token');
    expect(session.idToken).toMatch(/^v1\./);
    await expect(auth.authenticate({ sessionToken: login.token })).resolves.toMatchObject({
      principal: { userId: login.user.id },
    });
    await expect(auth.logout(session.id)).resolves.toEqual({ identityProvider: 'corp', idToken: 'id-token' });
    const audit = await db.systemPrisma.auditLog.findMany({
      where: { realmId: hubRealm.id, action: { in: ['user.create', 'member.add', 'auth.login'] } },
      select: { action: true, actorId: true, after: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((row) => row.action).sort()).toEqual(['auth.login', 'member.add', 'user.create']);
    expect(audit.find((row) => row.action === 'auth.login')?.after).toEqual({
      method: 'oidc',
      provider: 'corp',
    });
    expect(audit.find((row) => row.action === 'member.add')?.actorId).toBe('oidc:corp');
  });

  it('finds the account by the provider’s subject at the next login, whatever email it now asserts', async () => {
    const { signIn, db } = await setup(newDatabase);
    const first = await signIn(asserted(['nhi-readers']));

    const second = await signIn(asserted(['nhi-readers'], { email: 'ada.lovelace@example.test' }));

    expect(second.user.id).toBe(first.user.id);
    expect(await db.systemPrisma.user.count()).toBe(1);
  });

  it('re-applies the mapping at each login: changes and takes back what it granted', async () => {
    const { signIn, rolesOf, db, hubRealm, ops } = await setup(newDatabase);
    const { user } = await signIn(asserted(['nhi-admins', 'nhi-readers']));

    await signIn(asserted(['nhi-readers']));
    expect(await rolesOf(user.id)).toEqual({ hub: 'viewer', ops: 'viewer' });

    await signIn(asserted(['nhi-admins']));
    expect(await rolesOf(user.id)).toEqual({ hub: 'admin' });

    const changes = await db.systemPrisma.auditLog.findMany({
      where: { action: { in: ['member.set_role', 'member.remove'] } },
      select: { realmId: true, action: true, before: true, after: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(changes).toEqual([
      {
        realmId: hubRealm.id,
        action: 'member.set_role',
        before: { role: 'admin' },
        after: { role: 'viewer', provider: 'corp' },
      },
      {
        realmId: hubRealm.id,
        action: 'member.set_role',
        before: { role: 'viewer' },
        after: { role: 'admin', provider: 'corp' },
      },
      {
        realmId: ops.id,
        action: 'member.remove',
        before: { userId: user.id, role: 'viewer' },
        after: { provider: 'corp' },
      },
    ]);
  });

  it('leaves memberships given by hand alone, and does not take them over', async () => {
    const { signIn, rolesOf, realmAdmin, realm } = await setup(newDatabase);
    const { user } = await signIn(asserted(['nhi-readers']));
    await realm('lab', 'Lab');
    await realmAdmin.createUser({ email: 'ada@example.test', realmSlug: 'lab', role: 'editor' });
    await realmAdmin.setRole({ email: 'ada@example.test', realmSlug: 'ops', role: 'editor' });

    await signIn(asserted([]));

    // ops was the mapping's until an admin made it editor: now it is manual and stays; hub went.
    expect(await rolesOf(user.id)).toEqual({ lab: 'editor', ops: 'editor' });
  });

  it('adds and removes the policy group the mapping names by path, only in a realm the user is in', async () => {
    const { signIn, db, hubRealm } = await setup(newDatabase);
    const security = await db.systemPrisma.policyGroup.create({
      data: { realmId: hubRealm.id, name: 'Security' },
    });
    const oncall = await db.systemPrisma.policyGroup.create({
      data: { realmId: hubRealm.id, name: 'Oncall', parentId: security.id },
    });
    const groupsOf = async (userId: string) =>
      (await db.systemPrisma.policyGroupMember.findMany({ where: { realmId: hubRealm.id, userId } })).map(
        (row) => row.groupId,
      );

    // A policy group alone gives no access to the realm.
    await expect(signIn(asserted(['oncall']))).rejects.toThrow(/no group that gives access/);

    const { user } = await signIn(asserted(['nhi-readers', 'oncall']));
    expect(await groupsOf(user.id)).toEqual([oncall.id]);

    await signIn(asserted(['nhi-readers']));
    expect(await groupsOf(user.id)).toEqual([]);
    const trail = await db.systemPrisma.auditLog.findMany({
      where: { action: { startsWith: 'policy.member.' } },
      select: { action: true, entityId: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(trail).toEqual([
      { action: 'policy.member.add', entityId: oncall.id },
      { action: 'policy.member.remove', entityId: oncall.id },
    ]);
  });

  it('refuses to link an existing local account by email unless allowed and verified', async () => {
    const { signIn, member, db } = await setup(newDatabase);
    const local = await member('ada@example.test', 'hub', 'editor');

    await expect(signIn(asserted(['nhi-readers']))).rejects.toThrow(/already exists here/);
    expect(await db.systemPrisma.userIdentity.count()).toBe(0);
    expect(local.email).toBe('ada@example.test');
  });

  it('links an existing local account when the provider verified the email and linking is allowed', async () => {
    const { signIn, member, db } = await setup(newDatabase, { NHI_OIDC_CORP_ALLOW_EMAIL_LINKING: 'true' });
    const local = await member('ada@example.test', 'hub', 'editor');

    await expect(signIn(asserted(['nhi-readers'], { emailVerified: false }))).rejects.toThrow(
      /already exists/,
    );
    const login = await signIn(asserted(['nhi-readers']));

    expect(login.user.id).toBe(local.id);
    expect(await db.systemPrisma.userIdentity.count()).toBe(1);
  });

  it('creates no account when no group gives access to a realm, and says so', async () => {
    const { signIn, db } = await setup(newDatabase);

    await expect(signIn(asserted(['unmapped']))).rejects.toThrow(/no group that gives access/);
    await expect(signIn(asserted(['nhi-readers'], { email: undefined }))).rejects.toThrow(/email/);
    expect(await db.systemPrisma.user.count()).toBe(0);
  });

  it('refuses a disabled account', async () => {
    const { signIn, db } = await setup(newDatabase);
    const { user } = await signIn(asserted(['nhi-readers']));
    await db.systemPrisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });

    await expect(signIn(asserted(['nhi-readers']))).rejects.toThrow(/disabled/);
  });

  it('keeps password login to the break-glass account when local login is off', async () => {
    const { member, auth, db, hubRealm } = await setup(newDatabase, {
      NHI_LOCAL_LOGIN: 'false',
      NHI_BREAK_GLASS_EMAIL: 'root@example.test',
    });
    await member('root@example.test', 'hub', 'admin');
    await member('eve@example.test', 'hub', 'editor');

    await expect(
      auth.login({ email: 'eve@example.test', password: testPassword, ip: '203.0.113.9' }),
    ).rejects.toThrow(/Password login is switched off/);
    await expect(
      auth.login({ email: 'eve@example.test', password: 'wrong password!', ip: '203.0.113.9' }),
    ).rejects.toThrow(/Invalid email or password/);
    const login = await auth.login({ email: 'root@example.test', password: testPassword, ip: '203.0.113.9' });
    expect(login.user.email).toBe('root@example.test');
    const audit = await db.systemPrisma.auditLog.findFirstOrThrow({
      where: { realmId: hubRealm.id, action: 'auth.login' },
    });
    expect(audit.after).toEqual({ method: 'password' });
  });
});
