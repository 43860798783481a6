import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase } from './describe-each-database.ts';
import { testPostgresUrl } from './test-database.ts';

describeEachDatabase('createTestDatabase', (kind, newDatabase) => {
  it('gives each test its own migrated database', async () => {
    const first = await newDatabase();
    const second = await newDatabase();

    await first.systemPrisma.realm.create({ data: { slug: 'only-in-first', name: 'First' } });

    expect(await first.systemPrisma.realm.count()).toBe(1);
    expect(await second.systemPrisma.realm.count()).toBe(0);
  });

  it.runIf(kind === 'postgres')('drops its PostgreSQL database on close', async () => {
    const db = await newDatabase();
    const name = new URL(db.url ?? '').pathname.slice(1);

    await db.close();

    const admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      expect(found.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
