import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { findUnisolatedRealmTables } from '../database/realm-isolation-check.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors/domain-errors.ts';
import type { NewTestDatabase } from '../testing/describe-each-database.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { InstanceRegistry } from './instance-registry.ts';

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  return { ...hub, instances: hub.root.resolve(InstanceRegistry) };
}

describeEachDatabase('instance registry', (_kind, newDatabase) => {
  it('adds instances with a normalised base URL and lists them by name with their realm count', async () => {
    const { instances } = await setup(newDatabase);

    const added = await instances.add({ name: 'worker-b', baseUrl: 'https://b.example.com/nhi/' });
    await instances.add({ name: 'worker-a', baseUrl: 'http://10.0.0.7:3000' });

    expect(added).toEqual({
      id: expect.any(String),
      name: 'worker-b',
      baseUrl: 'https://b.example.com/nhi',
      status: 'active',
      version: null,
      lastHeartbeatAt: null,
      createdAt: expect.any(Date),
    });
    expect((await instances.list()).map((i) => [i.name, i.baseUrl, i.realmCount])).toEqual([
      ['worker-a', 'http://10.0.0.7:3000', 0],
      ['worker-b', 'https://b.example.com/nhi', 0],
    ]);
  });

  it('refuses duplicate names, malformed names and URLs that are not plain http(s)', async () => {
    const { instances } = await setup(newDatabase);
    await instances.add({ name: 'worker-a', baseUrl: 'https://a.example.com' });

    await expect(instances.add({ name: 'worker-a', baseUrl: 'https://other.example.com' })).rejects.toThrow(
      ConflictError,
    );
    for (const name of ['', 'Worker', '-a', 'a b', 'a'.repeat(41)]) {
      await expect(instances.add({ name, baseUrl: 'https://a.example.com' })).rejects.toThrow(
        ValidationError,
      );
    }
    for (const baseUrl of [
      'a.example.com',
      'ftp://a.example.com',
      'https://u:p@a.example.com',
      'https://a.example.com/?x=1',
    ]) {
      await expect(instances.add({ name: 'worker-b', baseUrl })).rejects.toThrow(ValidationError);
    }
    expect(await instances.list()).toHaveLength(1);
  });

  it('places a realm on an instance at creation and tells where each realm is served', async () => {
    const { instances, realm, db } = await setup(newDatabase);
    const worker = await instances.add({ name: 'worker-a', baseUrl: 'https://a.example.com' });
    const local = await realm('hub');

    const placed = await instances.createRealmOn({ slug: 'payments', name: 'Payments' }, 'worker-a');

    expect(placed).toMatchObject({ slug: 'payments', name: 'Payments', instance: { id: worker.id } });
    expect(await instances.placementOf(placed.id)).toEqual(worker);
    expect(await instances.placementOf(local.id)).toBeNull();
    await expect(instances.placementOf('no-such-realm')).rejects.toThrow(NotFoundError);
    expect((await instances.list())[0]?.realmCount).toBe(1);
    const audit = await db.systemPrisma.auditLog.findMany({
      where: { realmId: placed.id },
      select: { action: true, after: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit).toContainEqual({ action: 'realm.place', after: { instance: 'worker-a' } });
  });

  it('creates no realm on an unknown or inactive instance, nor with a taken slug', async () => {
    const { instances, realm, db } = await setup(newDatabase);
    await realm('taken');
    const draining = await instances.add({ name: 'old', baseUrl: 'https://old.example.com' });
    await db.systemPrisma.instance.update({ where: { id: draining.id }, data: { status: 'draining' } });
    await instances.add({ name: 'worker-a', baseUrl: 'https://a.example.com' });

    await expect(instances.createRealmOn({ slug: 'ops', name: 'Ops' }, 'nope')).rejects.toThrow(
      NotFoundError,
    );
    await expect(instances.createRealmOn({ slug: 'ops', name: 'Ops' }, 'old')).rejects.toThrow(ConflictError);
    await expect(instances.createRealmOn({ slug: 'taken', name: 'Again' }, 'worker-a')).rejects.toThrow(
      ConflictError,
    );
    expect((await db.systemPrisma.realm.findMany({ select: { slug: true } })).map((r) => r.slug)).toEqual([
      'taken',
    ]);
  });

  it('removes an instance only once no realm is placed on it', async () => {
    const { instances } = await setup(newDatabase);
    await instances.add({ name: 'worker-a', baseUrl: 'https://a.example.com' });
    await instances.add({ name: 'spare', baseUrl: 'https://spare.example.com' });
    await instances.createRealmOn({ slug: 'payments', name: 'Payments' }, 'worker-a');

    await expect(instances.remove('worker-a')).rejects.toThrow(ConflictError);
    await expect(instances.remove('nope')).rejects.toThrow(NotFoundError);
    await instances.remove('spare');

    expect((await instances.list()).map((i) => i.name)).toEqual(['worker-a']);
  });

  it('keeps the registry global: no realm table is left without row-level security', async () => {
    const { db } = await setup(newDatabase);

    expect(await findUnisolatedRealmTables(db)).toEqual([]);
  });
});
