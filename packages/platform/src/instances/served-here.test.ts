import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { RealmAdminService } from '../auth/realm-admin.service.ts';
import type { NewTestDatabase } from '../testing/describe-each-database.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { InstanceRegistry } from './instance-registry.ts';
import { isRealmServedHere, realmIdsServedHere, realmJobGate } from './served-here.ts';

/** A hub with a realm of its own and one placed on worker-a. */
async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  const registry = hub.root.resolve(InstanceRegistry);
  await registry.add({ name: 'worker-a', baseUrl: 'http://worker-a.internal' });
  const own = await hub.root.resolve(RealmAdminService).createRealm({ slug: 'own', name: 'Own' });
  const placed = await registry.createRealmOn({ slug: 'placed', name: 'Placed' }, 'worker-a');
  return { ...hub, own, placed };
}

describeEachDatabase('realms served here', (_kind, newDatabase) => {
  it('are the hub’s own realms: a realm placed on a worker has its jobs there', async () => {
    const { db, own, placed } = await setup(newDatabase);

    const served = await realmIdsServedHere(db);
    expect(served).toContain(own.id);
    expect(served).not.toContain(placed.id);
    expect(await isRealmServedHere(db, own.id)).toBe(true);
    expect(await isRealmServedHere(db, placed.id)).toBe(false);
  });

  it('do not include a realm that does not exist', async () => {
    const { db } = await setup(newDatabase);

    expect(await isRealmServedHere(db, '00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  it('run their jobs, hold them while a move copies the realm, and skip those of realms elsewhere', async () => {
    const { db, own, placed } = await setup(newDatabase);

    expect(await realmJobGate(db, own.id)).toBe('run');
    expect(await realmJobGate(db, placed.id)).toBe('skip');
    expect(await realmJobGate(db, '00000000-0000-4000-8000-000000000000')).toBe('skip');
    // Marked read-only, its scans may still end; once the copy starts, its jobs wait.
    await db.systemPrisma.realm.update({ where: { id: own.id }, data: { movingTo: 'worker-a' } });
    expect(await realmJobGate(db, own.id)).toBe('run');
    await db.systemPrisma.realm.update({ where: { id: own.id }, data: { movingSince: new Date() } });
    expect(await realmJobGate(db, own.id)).toBe('hold');
  });
});
