import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { NhiQueryService } from './nhi-query.service.ts';

describeEachDatabase('an NHI owned by a group', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const groupIn = (realm: { id: string }, name: string) =>
      new RealmDb(t.db, realm.id).transaction((tx) =>
        tx.policyGroup.create({ data: { name }, select: { id: true, name: true } }),
      );
    const payments = await groupIn(t.hubRealm, 'Payments team');
    const platform = await groupIn(t.hubRealm, 'Platform team');
    const foreign = await groupIn(t.otherRealm, 'Other realm team');
    return { ...t, payments, platform, foreign, service: await t.nhiServiceOf() };
  }

  it('shows the owner group, records each change of it, and can clear it', async () => {
    const { service, payments, platform } = await setup();
    const created = await service.create(newNhi({ ownerGroupId: payments.id }));
    expect(created.ownerGroup).toEqual({ id: payments.id, name: 'Payments team' });

    const moved = await service.update({
      id: created.id,
      expectedVersion: 1,
      changes: { ownerGroupId: platform.id },
    });
    expect(moved.ownerGroup?.name).toBe('Platform team');
    const cleared = await service.update({
      id: created.id,
      expectedVersion: 2,
      changes: { ownerGroupId: null },
    });
    expect(cleared.ownerGroup).toBeNull();
    const history = await service.history(created.id);
    expect(history.map((entry) => entry.version)).toEqual([3, 2, 1]);
  });

  it('is owned: the unowned filter leaves it out', async () => {
    const t = await setup();
    const owned = await t.service.create(newNhi({ externalId: 'team-owned', ownerGroupId: t.payments.id }));
    const nobodys = await t.service.create(newNhi({ externalId: 'nobodys' }));
    const unowned = await (await t.scopeOf())
      .resolve(NhiQueryService)
      .list({ owner: ['unowned'], limit: 200 });
    const ids = unowned.items.map((item) => item.id);
    expect(ids).toContain(nobodys.id);
    expect(ids).not.toContain(owned.id);
  });

  it('refuses a group of another realm or no group at all, and keeps the identity as it was', async () => {
    const { service, payments, foreign } = await setup();
    const created = await service.create(newNhi({ ownerGroupId: payments.id }));
    for (const ownerGroupId of [foreign.id, '00000000-0000-4000-8000-000000000000']) {
      await expect(
        service.update({ id: created.id, expectedVersion: 1, changes: { ownerGroupId } }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
    const current = await service.get(created.id);
    expect(current.ownerGroup?.name).toBe('Payments team');
    expect(current.version).toBe(1);
  });
});
