import { ConflictError, NotFoundError, ValidationError } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';

describeEachDatabase('NhiService', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const service = await t.nhiServiceOf(t.ana);
    const auditRows = (entityId: string) =>
      t.db.systemPrisma.auditLog.findMany({
        where: { entityId },
        select: { action: true, actorType: true, actorId: true, before: true, after: true, requestId: true },
        orderBy: { createdAt: 'asc' },
      });
    return { ...t, service, auditRows };
  }

  it('creates an identity with defaults, version 1, a version row and an audit row', async () => {
    const t = await setup();

    const created = await t.service.create(newNhi({ name: 'billing-exporter', tags: ['team:billing'] }));

    expect(created).toMatchObject({
      name: 'billing-exporter',
      owner: null,
      environment: 'unknown',
      status: 'active',
      tags: ['team:billing'],
      permissions: [],
      metadata: {},
      sourceType: 'manual',
      version: 1,
      deletedAt: null,
      credentials: [],
      activeCredentialCount: 0,
      firstSeenAt: t.clock.now(),
    });
    expect(await t.service.get(created.id)).toEqual(created);
    const history = await t.service.history(created.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      version: 1,
      actor: { type: 'user', id: t.ana.id },
      changes: { name: { before: null, after: 'billing-exporter' } },
    });
    expect(await t.auditRows(created.id)).toEqual([
      expect.objectContaining({
        action: 'nhi.create',
        actorType: 'user',
        actorId: t.ana.id,
        requestId: 'req-ana@example.com',
      }),
    ]);
  });

  it('accepts only members of the realm as owners', async () => {
    const t = await setup();

    const owned = await t.service.create(newNhi({ ownerUserId: t.vic.id }));
    const outsider = t.service.create(newNhi({ ownerUserId: t.oli.id }));

    expect(owned.owner).toEqual({ id: t.vic.id, email: 'vic@example.com' });
    await expect(outsider).rejects.toBeInstanceOf(ValidationError);
    await expect(
      t.service.update({ id: owned.id, expectedVersion: 1, changes: { ownerUserId: t.oli.id } }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a second identity with the same provider and external id', async () => {
    const t = await setup();
    const first = await t.service.create(newNhi({ externalId: 'ext-1' }));

    const second = t.service.create(newNhi({ externalId: 'ext-1' }));

    await expect(second).rejects.toBeInstanceOf(ConflictError);
    await expect(second).rejects.toMatchObject({ details: { existingId: first.id } });
  });

  it('answers a retry with the same idempotency key with the same identity, audited once', async () => {
    const t = await setup();
    const input = newNhi({ idempotencyKey: 'create-42-abc', tags: ['a'] });

    const first = await t.service.create(input);
    const retry = await t.service.create({ ...input });
    const [concurrentA, concurrentB] = await Promise.all([
      t.service.create({ ...input }),
      t.service.create({ ...input }),
    ]);

    expect(retry).toEqual(first);
    expect(concurrentA.id).toBe(first.id);
    expect(concurrentB.id).toBe(first.id);
    expect(await t.db.systemPrisma.nhi.count()).toBe(1);
    expect((await t.auditRows(first.id)).map((row) => row.action)).toEqual(['nhi.create']);
  });

  it('answers the same idempotency key with other content with a conflict', async () => {
    const t = await setup();
    const input = newNhi({ idempotencyKey: 'create-43-abc' });
    await t.service.create(input);

    const other = t.service.create({ ...input, name: 'something else' });

    await expect(other).rejects.toBeInstanceOf(ConflictError);
    expect(await t.db.systemPrisma.nhi.count()).toBe(1);
  });

  it('updates from the current version, recording what changed and who changed it', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ name: 'old', tags: ['x'] }));
    const eve = await t.nhiServiceOf(t.eve);

    const updated = await eve.update({
      id: created.id,
      expectedVersion: 1,
      changes: { name: 'new', environment: 'production' },
    });

    expect(updated).toMatchObject({ name: 'new', environment: 'production', tags: ['x'], version: 2 });
    const [latest] = await t.service.history(created.id);
    expect(latest).toMatchObject({
      version: 2,
      actor: { type: 'user', id: t.eve.id },
      changes: {
        name: { before: 'old', after: 'new' },
        environment: { before: 'unknown', after: 'production' },
      },
    });
    expect(Object.keys(latest?.changes ?? {}).sort()).toEqual(['environment', 'name']);
    const audit = await t.auditRows(created.id);
    expect(audit.at(-1)).toMatchObject({
      action: 'nhi.update',
      actorId: t.eve.id,
      before: { name: 'old', environment: 'unknown' },
      after: { name: 'new', environment: 'production' },
    });
  });

  it('refuses a stale version with the current version and the fields changed since', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ name: 'svc', description: 'first' }));
    await t.service.update({ id: created.id, expectedVersion: 1, changes: { name: 'renamed' } });
    await t.service.update({ id: created.id, expectedVersion: 2, changes: { tags: ['prod'] } });

    const stale = t.service.update({ id: created.id, expectedVersion: 1, changes: { description: 'mine' } });

    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({
      message: 'NHI changed since you loaded it',
      details: {
        currentVersion: 3,
        changedFields: ['name', 'tags'],
        current: { id: created.id, name: 'renamed', tags: ['prod'], description: 'first', version: 3 },
      },
    });
    expect((await t.service.get(created.id)).description).toBe('first');
  });

  it('overwrites with force after a conflict', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ name: 'svc' }));
    await t.service.update({ id: created.id, expectedVersion: 1, changes: { name: 'theirs' } });

    const forced = await t.service.update({
      id: created.id,
      expectedVersion: 1,
      force: true,
      changes: { name: 'mine' },
    });

    expect(forced).toMatchObject({ name: 'mine', version: 3 });
    const [latest] = await t.service.history(created.id);
    expect(latest?.changes).toEqual({ name: { before: 'theirs', after: 'mine' } });
  });

  it('writes nothing for an update that changes nothing', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ name: 'same', tags: ['a'] }));

    const result = await t.service.update({
      id: created.id,
      expectedVersion: 1,
      changes: { name: 'same', tags: ['a'] },
    });

    expect(result.version).toBe(1);
    expect(await t.service.history(created.id)).toHaveLength(1);
  });

  it('keeps the last 10 versions and still names the fields changed since a pruned one', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ name: 'v1' }));
    for (let version = 1; version <= 11; version += 1) {
      await t.service.update({
        id: created.id,
        expectedVersion: version,
        changes: { name: `v${version + 1}` },
      });
    }
    await t.service.update({ id: created.id, expectedVersion: 12, changes: { status: 'disabled' } });

    const history = await t.service.history(created.id);
    const stored = await t.db.systemPrisma.nhiVersion.count({ where: { nhiId: created.id } });
    const stale = t.service.update({ id: created.id, expectedVersion: 1, changes: { name: 'late' } });

    expect(history.map((entry) => entry.version)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    expect(stored).toBe(10);
    await expect(stale).rejects.toMatchObject({
      details: { currentVersion: 13, changedFields: ['name', 'status'] },
    });
  });

  it('soft-deletes and restores, each as a version and an audit row', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi());

    const deleted = await t.service.softDelete(created.id);
    const again = await t.service.softDelete(created.id);
    const editDeleted = t.service.update({ id: created.id, expectedVersion: 2, changes: { name: 'x' } });

    expect(deleted).toMatchObject({ version: 2, deletedAt: t.clock.now() });
    expect(again.version).toBe(2);
    await expect(editDeleted).rejects.toBeInstanceOf(ConflictError);
    await expect(editDeleted).rejects.toMatchObject({ details: { changedFields: [] } });
    const restored = await t.service.restore(created.id);
    expect(restored).toMatchObject({ version: 3, deletedAt: null });
    expect((await t.auditRows(created.id)).map((row) => row.action)).toEqual([
      'nhi.create',
      'nhi.delete',
      'nhi.restore',
    ]);
    expect((await t.service.history(created.id))[1]?.changes).toEqual({
      deletedAt: { before: null, after: t.clock.now().toISOString() },
    });
  });

  it('changes owner, tags and environment of many identities in one go, each versioned and audited', async () => {
    const t = await setup();
    const a = await t.service.create(newNhi({ tags: ['old', 'keep'] }));
    const b = await t.service.create(newNhi({ tags: ['keep'] }));
    const c = await t.service.create(
      newNhi({ tags: ['keep', 'new'], ownerUserId: t.eve.id, environment: 'staging' }),
    );

    const result = await t.service.bulkUpdate({
      ids: [a.id, b.id, c.id],
      ownerUserId: t.eve.id,
      addTags: ['new'],
      removeTags: ['old'],
      environment: 'staging',
    });

    expect(result).toEqual({ updated: 2, unchanged: 1 });
    for (const id of [a.id, b.id]) {
      const detail = await t.service.get(id);
      expect(detail).toMatchObject({ owner: { id: t.eve.id }, environment: 'staging', version: 2 });
      expect(detail.tags).toEqual(['keep', 'new']);
      expect((await t.auditRows(id)).map((row) => row.action)).toEqual(['nhi.create', 'nhi.bulk_update']);
    }
    expect((await t.service.get(c.id)).version).toBe(1);
  });

  it('changes none of them when one of a bulk update’s identities does not exist', async () => {
    const t = await setup();
    const a = await t.service.create(newNhi());
    const missing = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

    const bulk = t.service.bulkUpdate({ ids: [a.id, missing], environment: 'production' });

    await expect(bulk).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.service.get(a.id)).toMatchObject({ environment: 'unknown', version: 1 });
  });

  it('does not see identities of another realm', async () => {
    const t = await setup();
    const created = await t.service.create(newNhi({ externalId: 'shared-id' }));
    const other = await t.nhiServiceOf(t.oli, t.otherRealm);

    await expect(other.get(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      other.update({ id: created.id, expectedVersion: 1, changes: { name: 'x' } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.softDelete(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.history(created.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.bulkUpdate({ ids: [created.id], environment: 'production' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // The same provider id is another realm's business: no conflict across realms.
    const own = await other.create(newNhi({ externalId: 'shared-id' }));
    expect(own.id).not.toBe(created.id);
    expect(await t.service.get(created.id)).toMatchObject({ name: created.name, version: 1 });
  });

  it('reports invalid input as a ValidationError with the field', async () => {
    const t = await setup();

    const invalid = t.service.create(newNhi({ name: '  ', tags: ['has space'] }));

    await expect(invalid).rejects.toBeInstanceOf(ValidationError);
    await expect(invalid).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: ['name'] })]),
    });
  });
});
