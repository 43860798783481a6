import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupSourceSync } from '../testing/nhi-test-setup.ts';
import { markSourcedNhisMissing, type SourcedNhi } from './nhi-source-sync.ts';

async function setup(newDatabase: NewTestDatabase) {
  const inventory = await setupSourceSync(newDatabase);
  const { realmDb, sync, run } = inventory;
  const missing = (ids: string[]) => realmDb.transaction((tx) => markSourcedNhisMissing(tx, sync, ids));
  const read = (id: string) =>
    realmDb.transaction((tx) =>
      tx.nhi.findUniqueOrThrow({
        where: { id },
        select: {
          name: true,
          status: true,
          version: true,
          ownerUserId: true,
          metadata: true,
          activeCredentialCount: true,
          credentials: { select: { hint: true, status: true, lastUsedAt: true }, orderBy: { hint: 'asc' } },
          versions: { select: { version: true } },
        },
      }),
    );
  return { ...inventory, realmDb, run, missing, read };
}

const deployer = (overrides: Partial<SourcedNhi> = {}): SourcedNhi => ({
  provider: 'aws',
  externalId: 'arn:aws:iam::111122223333:user/deployer',
  kind: 'service_account',
  name: 'deployer',
  metadata: { credentialReport: { passwordEnabled: false } },
  credentials: [
    {
      key: 'access_key_1',
      kind: 'access_key',
      status: 'active',
      lastUsedAt: new Date('2026-03-01T00:00:00Z'),
    },
  ],
  ...overrides,
});

describeEachDatabase('syncSourcedNhis', (_kind, newDatabase) => {
  it('creates reported identities with their credentials', async () => {
    const { run, read } = await setup(newDatabase);

    const result = await run([deployer()]);

    expect(result.items).toEqual([{ nhiId: expect.any(String), outcome: 'created' }]);
    const nhi = await read(result.items[0]?.nhiId as string);
    expect(nhi).toMatchObject({ name: 'deployer', status: 'active', version: 1, activeCredentialCount: 1 });
    expect(nhi.credentials).toEqual([
      { hint: 'access_key_1', status: 'active', lastUsedAt: new Date('2026-03-01T00:00:00Z') },
    ]);
  });

  it('writes nothing when the same identities are reported again', async () => {
    const { run, read } = await setup(newDatabase);
    const first = await run([deployer()]);

    const second = await run([deployer()]);

    expect(second.items).toEqual([{ nhiId: first.items[0]?.nhiId, outcome: 'unchanged' }]);
    const nhi = await read(first.items[0]?.nhiId as string);
    expect(nhi.version).toBe(1);
    expect(nhi.versions).toEqual([]);
  });

  it('updates a changed identity with a version and keeps what people set', async () => {
    const { run, read, realmDb, ana } = await setup(newDatabase);
    const [created] = (await run([deployer()])).items;
    const nhiId = created?.nhiId as string;
    await realmDb.transaction((tx) => tx.nhi.update({ where: { id: nhiId }, data: { ownerUserId: ana.id } }));

    const result = await run([
      deployer({ name: 'deployer-renamed', metadata: { authorization: { groups: ['ops'] } } }),
    ]);

    expect(result.items[0]?.outcome).toBe('updated');
    const nhi = await read(nhiId);
    expect(nhi).toMatchObject({ name: 'deployer-renamed', version: 2, ownerUserId: ana.id });
    expect(nhi.metadata).toEqual({
      credentialReport: { passwordEnabled: false },
      authorization: { groups: ['ops'] },
    });
    expect(nhi.versions).toEqual([{ version: 2 }]);
  });

  it('revokes a credential the source no longer reports and counts the identity as updated', async () => {
    const { run, read } = await setup(newDatabase);
    const [created] = (
      await run([
        deployer({
          credentials: [
            { key: 'access_key_1', kind: 'access_key', status: 'active' },
            { key: 'access_key_2', kind: 'access_key', status: 'active' },
          ],
        }),
      ])
    ).items;

    const result = await run([
      deployer({ credentials: [{ key: 'access_key_1', kind: 'access_key', status: 'active' }] }),
    ]);

    expect(result.items[0]?.outcome).toBe('updated');
    const nhi = await read(created?.nhiId as string);
    expect(nhi.credentials.map((c) => [c.hint, c.status])).toEqual([
      ['access_key_1', 'active'],
      ['access_key_2', 'revoked'],
    ]);
    expect(nhi.activeCredentialCount).toBe(1);
  });

  it('marks an identity missing from its source and restores it when it returns', async () => {
    const { run, read, missing, realmDb } = await setup(newDatabase);
    const [created] = (await run([deployer()])).items;
    const nhiId = created?.nhiId as string;
    const changedEvents = () =>
      realmDb.transaction((tx) =>
        tx.domainEvent.count({ where: { type: 'nhi.changed', subjectIds: { has: nhiId } } }),
      );
    const before = await changedEvents();

    expect(await missing([nhiId])).toEqual([nhiId]);
    expect(await missing([nhiId])).toEqual([]);
    expect((await read(nhiId)).status).toBe('missing_from_source');
    // Other domains (alert rules) learn of it like of any other change to the identity, once.
    expect(await changedEvents()).toBe(before + 1);

    const back = await run([deployer()]);
    expect(back.items[0]?.outcome).toBe('updated');
    expect((await read(nhiId)).status).toBe('active');
  });

  it('leaves a soft-deleted identity deleted', async () => {
    const { run, read, realmDb } = await setup(newDatabase);
    const [created] = (await run([deployer()])).items;
    const nhiId = created?.nhiId as string;
    await realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: nhiId }, data: { deletedAt: new Date() } }),
    );

    const result = await run([deployer({ name: 'renamed' })]);

    expect(result.items[0]?.outcome).toBe('deleted');
    expect((await read(nhiId)).name).toBe('deployer');
  });
});
