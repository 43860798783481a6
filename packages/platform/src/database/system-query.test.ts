import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';

describeEachDatabase('PlatformDatabase.systemQuery', (_kind, newDatabase) => {
  async function setup() {
    const db = await newDatabase();
    const realm = await db.systemPrisma.realm.create({
      data: { slug: 'alpha', name: 'Alpha' },
      select: { id: true, slug: true },
    });
    return { db, realm };
  }

  it('answers a parameterised statement with each call’s own values under one statement name', async () => {
    const { db, realm } = await setup();
    const read = (slug: string) =>
      db.systemQuery<{ id: string }>('realm_by_slug', 'SELECT id FROM "Realm" WHERE slug = $1', [slug]);

    expect(await read(realm.slug)).toEqual([{ id: realm.id }]);
    expect(await read('missing')).toEqual([]);
    expect(await read(realm.slug)).toEqual([{ id: realm.id }]);
  });

  it('passes a value that looks like SQL as data', async () => {
    const { db } = await setup();
    const rows = await db.systemQuery<{ slug: string }>(
      'realm_by_slug',
      'SELECT slug FROM "Realm" WHERE slug = $1',
      [`alpha' OR '1'='1`],
    );
    expect(rows).toEqual([]);
  });
});
