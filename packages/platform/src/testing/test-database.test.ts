import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase } from './describe-each-database.ts';
import { createTestDatabase, releaseIdleTestDatabases, testPostgresUrl } from './test-database.ts';

describeEachDatabase('createTestDatabase', (kind, newDatabase) => {
  it('gives each test its own migrated database', async () => {
    const first = await newDatabase();
    const second = await newDatabase();

    await first.systemPrisma.realm.create({ data: { slug: 'only-in-first', name: 'First' } });

    expect(await first.systemPrisma.realm.count()).toBe(1);
    expect(await second.systemPrisma.realm.count()).toBe(0);
  });

  async function exists(name: string): Promise<boolean> {
    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    try {
      return Boolean((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount);
    } finally {
      await admin.end();
    }
  }

  it.runIf(kind === 'postgres')('drops a PostgreSQL database not kept for reuse on close', async () => {
    const db = await createTestDatabase('postgres');
    const name = new URL(db.url ?? '').pathname.slice(1);

    await db.close();

    expect(await exists(name)).toBe(false);
  });

  it.runIf(kind === 'postgres')(
    'drops the PostgreSQL databases kept for reuse once the suite releases them',
    async () => {
      const db = await newDatabase();
      const name = new URL(db.url ?? '').pathname.slice(1);
      await db.close();
      expect(await exists(name)).toBe(true);

      await releaseIdleTestDatabases();

      expect(await exists(name)).toBe(false);
    },
  );
});
