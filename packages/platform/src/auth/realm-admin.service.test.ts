import { expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-errors.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { setupHub } from './auth-test-setup.ts';

describeEachDatabase('realm administration', (_kind, newDatabase) => {
  it('creates a realm with an audit row, and refuses bad or duplicate slugs', async () => {
    const { realmAdmin, db } = await setupHub(newDatabase);

    const realm = await realmAdmin.createRealm({ slug: 'payments', name: 'Payments' });

    expect(realm).toEqual({ id: expect.any(String), slug: 'payments', name: 'Payments' });
    expect(
      await db.systemPrisma.auditLog.findMany({ select: { realmId: true, action: true, actorType: true } }),
    ).toEqual([{ realmId: realm.id, action: 'realm.create', actorType: 'system' }]);
    await expect(realmAdmin.createRealm({ slug: 'payments', name: 'Again' })).rejects.toThrow(ConflictError);
    for (const slug of ['', 'Payments', '-x', 'x-', 'a b', 'a'.repeat(41)]) {
      await expect(realmAdmin.createRealm({ slug, name: 'Bad' })).rejects.toThrow(ValidationError);
    }
    expect(await db.systemPrisma.realm.count()).toBe(1);
  });

  it('creates a user with a generated password that logs in, and stores only its hash', async () => {
    const { realmAdmin, auth, db } = await setupHub(newDatabase);
    await realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });

    const created = await realmAdmin.createUser({
      email: 'New@Example.com',
      realmSlug: 'hub',
      role: 'editor',
    });

    expect(created).toMatchObject({ user: { email: 'new@example.com' }, role: 'editor', userCreated: true });
    const password = created.generatedPassword ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    const stored = await db.systemPrisma.user.findUniqueOrThrow({ where: { id: created.user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain(password);
    await expect(auth.login({ email: 'new@example.com', password, ip: '127.0.0.1' })).resolves.toBeDefined();
    const audit = await db.systemPrisma.auditLog.findMany({
      where: { entityType: { in: ['User', 'RealmMembership'] } },
    });
    expect(audit.map((row) => row.action).sort()).toEqual(['member.add', 'user.create']);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('adds an existing user to another realm without touching the password', async () => {
    const { realmAdmin, auth, db } = await setupHub(newDatabase);
    await realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });
    await realmAdmin.createRealm({ slug: 'ops', name: 'Ops' });
    const first = await realmAdmin.createUser({
      email: 'kim@example.com',
      realmSlug: 'hub',
      role: 'viewer',
      password: 'kim’s own password',
    });

    const second = await realmAdmin.createUser({ email: 'kim@example.com', realmSlug: 'ops', role: 'admin' });

    expect(second).toMatchObject({ user: first.user, userCreated: false });
    expect(second.generatedPassword).toBeUndefined();
    expect(await db.systemPrisma.user.count()).toBe(1);
    expect((await auth.realmsOf(first.user.id)).map((realm) => [realm.slug, realm.role])).toEqual([
      ['hub', 'viewer'],
      ['ops', 'admin'],
    ]);
    await expect(
      realmAdmin.createUser({ email: 'kim@example.com', realmSlug: 'ops', role: 'viewer' }),
    ).rejects.toThrow(ConflictError);
  });

  it('refuses unknown realms, malformed emails and short passwords', async () => {
    const { realmAdmin, db } = await setupHub(newDatabase);
    await realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });

    await expect(
      realmAdmin.createUser({ email: 'a@example.com', realmSlug: 'nope', role: 'viewer' }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      realmAdmin.createUser({ email: 'not-an-email', realmSlug: 'hub', role: 'viewer' }),
    ).rejects.toThrow(ValidationError);
    await expect(
      realmAdmin.createUser({ email: 'a@example.com', realmSlug: 'hub', role: 'viewer', password: 'short' }),
    ).rejects.toThrow(ValidationError);
    expect(await db.systemPrisma.user.count()).toBe(0);
  });

  it('changes a member’s role with the before and after in the audit row', async () => {
    const { realmAdmin, auth, db } = await setupHub(newDatabase);
    await realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });
    const { user } = await realmAdmin.createUser({
      email: 'lee@example.com',
      realmSlug: 'hub',
      role: 'viewer',
    });

    expect(await realmAdmin.setRole({ email: 'lee@example.com', realmSlug: 'hub', role: 'admin' })).toEqual({
      before: 'viewer',
      after: 'admin',
    });

    expect((await auth.realmsOf(user.id))[0]?.role).toBe('admin');
    const audit = await db.systemPrisma.auditLog.findFirstOrThrow({ where: { action: 'member.set_role' } });
    expect(audit).toMatchObject({ entityId: user.id, before: { role: 'viewer' }, after: { role: 'admin' } });
    await expect(
      realmAdmin.setRole({ email: 'nobody@example.com', realmSlug: 'hub', role: 'admin' }),
    ).rejects.toThrow(NotFoundError);
  });
});
