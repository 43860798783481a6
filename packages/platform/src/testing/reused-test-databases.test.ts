import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase } from './describe-each-database.ts';
import type { TestDatabase } from './test-database.ts';

async function one<Row>(db: TestDatabase, sql: string): Promise<Row | undefined> {
  return (await db.systemQuery<Row>(sql, sql, []))[0];
}

describeEachDatabase('test databases lent again', (kind, newDatabase) => {
  it('starts each test from an empty migrated database, whatever the previous one wrote', async () => {
    const first = await newDatabase();
    await first.systemPrisma.realm.create({ data: { name: 'Acme', slug: 'acme' } });
    await first.systemQuery('schema', 'CREATE SCHEMA scratch', []);
    await first.systemQuery('table', 'CREATE TABLE scratch.notes (body text)', []);
    await first.close();

    const second = await newDatabase();
    expect(await one<{ n: number }>(second, 'SELECT count(*)::int AS n FROM "Realm"')).toEqual({ n: 0 });
    expect(await one(second, "SELECT 1 FROM pg_namespace WHERE nspname = 'scratch'")).toBeUndefined();
    expect(await one(second, 'SELECT 1 AS applied FROM _prisma_migrations LIMIT 1')).toEqual({ applied: 1 });
  });

  it('never lends again a database whose schema a test changed', async () => {
    const first = await newDatabase();
    await first.systemQuery('rls', 'ALTER TABLE "Alert" DISABLE ROW LEVEL SECURITY', []);
    await first.close();

    const second = await newDatabase();
    const alert = await one<{ relrowsecurity: boolean }>(
      second,
      `SELECT relrowsecurity FROM pg_class WHERE relname = 'Alert'`,
    );
    expect(alert?.relrowsecurity).toBe(true);
  });

  it('leaves a test no way into the database once it gave it back', async () => {
    const first = await newDatabase();
    const leaked = first.kind === 'pglite' ? first.jobStore : first.url;
    await first.close();
    const second = await newDatabase();
    await second.systemPrisma.realm.create({ data: { name: 'Next', slug: 'next' } });

    if (kind === 'pglite') {
      const store = leaked as Extract<TestDatabase['jobStore'], { kind: 'pglite' }>;
      expect(() => store.pglite.query('SELECT 1')).toThrow(/revoked/);
    } else {
      const client = new pg.Client({ connectionString: leaked as string });
      await expect(client.connect()).rejects.toThrow(/does not exist/);
      await client.end().catch(() => {});
    }
  });
});
