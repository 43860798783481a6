import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupSourceSync } from '../testing/nhi-test-setup.ts';
import type { JsonDocument } from './nhi-change-log.ts';
import type { SourcedNhi } from './nhi-source-sync.ts';

// A batch carries each identity's documents as strings inside its JSON parameter (ADR 0057): what is
// stored must still be exactly the documents the source reported, whatever characters they hold.

async function setup(newDatabase: NewTestDatabase) {
  const { realmDb, run } = await setupSourceSync(newDatabase);
  const read = (id: string) =>
    realmDb.transaction((tx) =>
      tx.nhi.findUniqueOrThrow({
        where: { id },
        select: {
          permissions: true,
          metadata: true,
          versions: { select: { version: true, snapshot: true, changes: true } },
        },
      }),
    );
  return { run, read };
}

const awkward = {
  quotes: 'say "hello" \\ back\\slash',
  lines: 'one\ntwo\ttab',
  unicode: 'Zürich ☃ 🚀',
  empty: '',
  nothing: null,
  numbers: [0, -1.5, 1e21],
  flags: [true, false],
  nested: { deeper: { list: [{ a: 1 }, []] } },
};

const identity = (permissions: JsonDocument, metadata: SourcedNhi['metadata']): SourcedNhi => ({
  provider: 'aws',
  externalId: 'arn:aws:iam::111122223333:user/documents',
  kind: 'service_account',
  name: 'documents',
  permissions,
  metadata,
});

describeEachDatabase('syncSourcedNhis documents', (_kind, newDatabase) => {
  it('stores reported permissions and metadata exactly as reported', async () => {
    const { run, read } = await setup(newDatabase);

    const [created] = (await run([identity([awkward], { report: awkward })])).items;

    const nhi = await read(created?.nhiId as string);
    expect(nhi.permissions).toEqual([awkward]);
    expect(nhi.metadata).toEqual({ report: awkward });
  });

  it('writes the changed documents and a version holding them', async () => {
    const { run, read } = await setup(newDatabase);
    const [created] = (await run([identity([], { report: { plain: true } })])).items;

    await run([identity([awkward], { report: awkward })]);

    const nhi = await read(created?.nhiId as string);
    expect(nhi.permissions).toEqual([awkward]);
    expect(nhi.metadata).toEqual({ report: awkward });
    expect(nhi.versions).toHaveLength(1);
    const [version] = nhi.versions;
    expect(version?.snapshot).toMatchObject({ permissions: [awkward], metadata: { report: awkward } });
    expect(version?.changes).toMatchObject({
      permissions: { before: [], after: [awkward] },
      metadata: { before: { report: { plain: true } }, after: { report: awkward } },
    });
  });
});
