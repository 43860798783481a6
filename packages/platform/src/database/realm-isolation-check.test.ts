import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { RealmDb } from './realm-db.ts';
import { findUnisolatedRealmTables } from './realm-isolation-check.ts';

describeEachDatabase('realm isolation of tables', (_kind, newDatabase) => {
  async function setup() {
    const db = await newDatabase();
    const realm = (slug: string) =>
      db.systemPrisma.realm.create({ data: { slug, name: slug }, select: { id: true } });
    return { db, alpha: await realm('alpha'), beta: await realm('beta') };
  }

  it('finds row-level security on every table with a realmId after the migrations', async () => {
    const { db } = await setup();

    expect(await findUnisolatedRealmTables(db)).toEqual([]);
  });

  it('reports a new realm table that a migration forgot to protect', async () => {
    const { db } = await setup();

    await db.withSystemConnection((connection) =>
      connection.exec(`CREATE TABLE "Forgotten" ("id" TEXT PRIMARY KEY, "realmId" TEXT NOT NULL)`),
    );

    expect(await findUnisolatedRealmTables(db)).toEqual([
      { table: 'Forgotten', problem: 'row level security disabled' },
    ]);
  });

  it('protects a new table with the reusable pattern of the migrations', async () => {
    const { db, alpha, beta } = await setup();

    await db.withSystemConnection((connection) =>
      connection.exec(`
        CREATE TABLE "Widget" ("id" TEXT PRIMARY KEY, "realmId" TEXT NOT NULL REFERENCES "Realm"("id"));
        SELECT nhi_enable_realm_isolation('"Widget"');
        INSERT INTO "Widget" VALUES ('a', '${alpha.id}'), ('b', '${beta.id}');`),
    );
    const visible = await new RealmDb(db, alpha.id).transaction(
      (tx) => tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Widget"`,
    );

    expect(await findUnisolatedRealmTables(db)).toEqual([]);
    expect(visible).toEqual([{ id: 'a' }]);
    await expect(
      new RealmDb(db, alpha.id).transaction(
        (tx) => tx.$executeRaw`INSERT INTO "Widget" VALUES ('c', ${beta.id})`,
      ),
    ).rejects.toThrow(/42501/);
  });
});
