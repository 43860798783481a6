import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { setupHub, testPassword } from '../auth/auth-test-setup.ts';
import { realmCreatedEvent } from '../auth/realm-admin-writes.ts';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { memberDeactivatedEvent } from '../scim/member-deactivated.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { mirroredPasswordHash, type RealmSync, RealmSyncReceiver, realmSyncSchema } from './realm-sync.ts';

/** The hub's state of one realm with three members, one of each role. */
function firstSync(): RealmSync {
  return {
    realm: { id: randomUUID(), slug: 'payments', name: 'Payments' },
    members: [
      {
        userId: randomUUID(),
        email: 'alice@example.com',
        displayName: 'Alice',
        disabled: false,
        role: 'admin',
      },
      { userId: randomUUID(), email: 'bob@example.com', displayName: null, disabled: false, role: 'editor' },
      {
        userId: randomUUID(),
        email: 'carol@example.com',
        displayName: 'Carol',
        disabled: false,
        role: 'viewer',
      },
    ],
  };
}

/** A worker process over its own database; the sync arrives as the hub sends it. */
async function setup(newDatabase: NewTestDatabase) {
  const worker = await setupHub(newDatabase);
  const receiver = worker.root.resolve(RealmSyncReceiver);
  const sync = firstSync();

  /** What the worker holds of the realm: the realm, its users and their roles. */
  async function state(realmId = sync.realm.id) {
    const prisma = worker.db.systemPrisma;
    const realm = await prisma.realm.findUnique({
      where: { id: realmId },
      select: { id: true, slug: true, name: true },
    });
    const users = await prisma.user.findMany({
      select: {
        id: true,
        email: true,
        displayName: true,
        disabledAt: true,
        passwordHash: true,
        authEpoch: true,
      },
      orderBy: { email: 'asc' },
    });
    const memberships = await prisma.realmMembership.findMany({
      where: { realmId },
      select: { userId: true, role: true, createdAt: true },
      orderBy: { userId: 'asc' },
    });
    return { realm, users, memberships };
  }

  return { ...worker, receiver, sync, state };
}

describeEachDatabase('realm sync on a worker', (_kind, newDatabase) => {
  it('keeps the realm’s policy epoch when a sync changes nothing, and moves it when a role changes', async () => {
    const { receiver, sync, db } = await setup(newDatabase);
    await receiver.apply(sync);
    const epoch = async () =>
      (await db.systemPrisma.policyEpoch.findUnique({ where: { realmId: sync.realm.id } }))?.epoch;
    const before = await epoch();

    await receiver.apply(sync);
    expect(await epoch()).toBe(before);

    await receiver.apply({
      ...sync,
      members: sync.members.map((m, i) => (i === 0 ? { ...m, role: 'viewer' as const } : m)),
    });
    expect(await epoch()).not.toBe(before);
  });

  it('creates the realm, its users and memberships under the hub ids on first sync', async () => {
    const { receiver, sync, state, db } = await setup(newDatabase);

    await expect(receiver.apply(sync)).resolves.toEqual({ created: true, members: 3 });

    const { realm, users, memberships } = await state();
    expect(realm).toEqual(sync.realm);
    expect(users).toEqual(
      sync.members.map((m) => ({
        id: m.userId,
        email: m.email,
        displayName: m.displayName,
        disabledAt: null,
        passwordHash: mirroredPasswordHash,
        authEpoch: expect.any(BigInt),
      })),
    );
    expect(memberships.map(({ userId, role }) => ({ userId, role }))).toEqual(
      sync.members
        .map((m) => ({ userId: m.userId, role: m.role }))
        .sort((a, b) => a.userId.localeCompare(b.userId)),
    );
    const events = await db.systemPrisma.domainEvent.findMany({
      where: { realmId: sync.realm.id },
      select: { type: true, subjectIds: true },
    });
    expect(events).toEqual([{ type: realmCreatedEvent, subjectIds: [sync.realm.id] }]);
  });

  it('leaves exactly the state of a later sync: a member removed, a role changed, a user disabled', async () => {
    const { receiver, sync, state } = await setup(newDatabase);
    await receiver.apply(sync);
    const [alice, bob, carol] = sync.members;
    if (!alice || !bob || !carol) throw new Error('three members');

    const later: RealmSync = {
      realm: { ...sync.realm, name: 'Payments EU' },
      members: [
        { ...alice, role: 'viewer' },
        { ...bob, disabled: true },
      ],
    };
    await expect(receiver.apply(later)).resolves.toEqual({ created: false, members: 2 });

    const { realm, users, memberships } = await state();
    expect(realm).toEqual({ ...sync.realm, name: 'Payments EU' });
    expect(
      memberships.map(({ userId, role }) => ({ userId, role })).sort((a, b) => a.role.localeCompare(b.role)),
    ).toEqual([
      { userId: bob.userId, role: 'editor' },
      { userId: alice.userId, role: 'viewer' },
    ]);
    expect(users.map((u) => [u.email, u.disabledAt === null ? 'enabled' : 'disabled'])).toEqual([
      ['alice@example.com', 'enabled'],
      ['bob@example.com', 'disabled'],
      // The user stays: it may be a member of another realm this worker serves.
      ['carol@example.com', 'enabled'],
    ]);
  });

  it('publishes member.deactivated for the NHIs of owners who left or were disabled', async () => {
    const { receiver, sync, db } = await setup(newDatabase);
    await receiver.apply(sync);
    const [alice, bob, carol] = sync.members;
    if (!alice || !bob || !carol) throw new Error('three members');
    const nhi = (ownerUserId: string, name: string) =>
      db.systemPrisma.nhi.create({
        data: {
          realmId: sync.realm.id,
          kind: 'api_key',
          provider: 'github',
          externalId: name,
          name,
          ownerUserId,
        },
        select: { id: true },
      });
    const bobs = await nhi(bob.userId, 'bob-key');
    const carols = await nhi(carol.userId, 'carol-key');
    await nhi(alice.userId, 'alice-key');

    await receiver.apply({ ...sync, members: [alice, { ...bob, disabled: true }] });

    const events = await db.systemPrisma.domainEvent.findMany({
      where: { realmId: sync.realm.id, type: memberDeactivatedEvent },
      select: { subjectIds: true },
    });
    expect(events.map((event) => [...event.subjectIds].sort())).toEqual([[bobs.id, carols.id].sort()]);
  });

  it('changes nothing when the same sync arrives twice', async () => {
    const { receiver, sync, state, db } = await setup(newDatabase);
    const [alice, ...others] = sync.members;
    if (!alice) throw new Error('a member');
    const withDisabled: RealmSync = { ...sync, members: [{ ...alice, disabled: true }, ...others] };
    await receiver.apply(withDisabled);
    const before = await state();

    await expect(receiver.apply(withDisabled)).resolves.toEqual({ created: false, members: 3 });

    // Keeping the first instant a user was seen disabled, and the auth epoch with it.
    expect(await state()).toEqual(before);
    expect(await db.systemPrisma.domainEvent.count({ where: { realmId: sync.realm.id } })).toBe(1);
    expect(await db.systemPrisma.realm.count()).toBe(1);
  });

  it('mirrors users no password logs in as', async () => {
    const { receiver, sync, auth } = await setup(newDatabase);
    await receiver.apply(sync);

    for (const password of [testPassword, mirroredPasswordHash, '']) {
      const error = await auth
        .login({ email: 'alice@example.com', password, ip: '203.0.113.7' })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AuthenticationError);
    }
  });

  it('refuses a payload with a malformed id or an unknown role', () => {
    const sync = firstSync();
    const [alice] = sync.members;
    if (!alice) throw new Error('a member');

    expect(realmSyncSchema.safeParse(sync).success).toBe(true);
    const badRealmId = realmSyncSchema.safeParse({ ...sync, realm: { ...sync.realm, id: 'realm-1' } });
    const badUserId = realmSyncSchema.safeParse({ ...sync, members: [{ ...alice, userId: 'alice' }] });
    const badRole = realmSyncSchema.safeParse({ ...sync, members: [{ ...alice, role: 'owner' }] });

    expect(badRealmId.error?.issues.map((i) => i.path)).toEqual([['realm', 'id']]);
    expect(badUserId.error?.issues.map((i) => i.path)).toEqual([['members', 0, 'userId']]);
    expect(badRole.error?.issues.map((i) => i.path)).toEqual([['members', 0, 'role']]);
  });
});
