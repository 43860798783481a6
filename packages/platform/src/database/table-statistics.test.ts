import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import type { PlatformDatabase } from './platform-database.ts';
import { analyzeAfterBulkWrite, bulkWriteRows } from './table-statistics.ts';

/** The planner's row count of a table: -1 until its statistics are first gathered. */
async function plannedRows(db: PlatformDatabase, table: string): Promise<number> {
  const [row] = await db.withSystemConnection((c) =>
    c.query<{ rows: number }>(`SELECT reltuples::int AS rows FROM pg_class WHERE relname = $1`, [table]),
  );
  return row?.rows ?? Number.NaN;
}

async function setup(db: PlatformDatabase, users: number) {
  await db.systemPrisma.user.createMany({
    data: Array.from({ length: users }, (_, i) => ({
      email: `user-${i}@stats.test`,
      passwordHash: 'unused',
    })),
  });
}

describeEachDatabase('Statistics after a bulk write', (_kind, newDatabase) => {
  it('gives the planner the row count of a table a bulk write filled', async () => {
    const db = await newDatabase();
    await setup(db, bulkWriteRows + 200);

    const analyzed = await analyzeAfterBulkWrite(db, ['User'], bulkWriteRows + 200);

    expect(analyzed).toBe(true);
    expect(await plannedRows(db, 'User')).toBeGreaterThanOrEqual(bulkWriteRows + 200);
  });

  it('gives each of several tables a bulk write filled its row count', async () => {
    const db = await newDatabase();
    await setup(db, bulkWriteRows + 200);
    await db.systemPrisma.realm.createMany({
      data: Array.from({ length: bulkWriteRows + 100 }, (_, i) => ({
        slug: `realm-${i}`,
        name: `Realm ${i}`,
      })),
    });

    const analyzed = await analyzeAfterBulkWrite(db, ['User', 'Realm'], 2 * bulkWriteRows + 300);

    expect(analyzed).toBe(true);
    expect(await plannedRows(db, 'User')).toBeGreaterThanOrEqual(bulkWriteRows + 200);
    expect(await plannedRows(db, 'Realm')).toBeGreaterThanOrEqual(bulkWriteRows + 100);
  });

  it('leaves small writes to the database’s own statistics upkeep', async () => {
    const db = await newDatabase();
    await setup(db, 10);
    const before = await plannedRows(db, 'User');

    const analyzed = await analyzeAfterBulkWrite(db, ['User'], 10);

    expect(analyzed).toBe(false);
    expect(await plannedRows(db, 'User')).toBe(before);
  });

  it('refuses a table name that is not one', async () => {
    const db = await newDatabase();

    await expect(analyzeAfterBulkWrite(db, ['User"; DROP TABLE "User'], bulkWriteRows)).rejects.toThrow(
      'Not a table name',
    );
  });
});
