import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase } from './describe-each-database.ts';
import { droppedDatabases, testPostgresUrl } from './test-database.ts';

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

  it.runIf(kind === 'postgres')('drops its PostgreSQL database on close', async () => {
    const db = await newDatabase();
    const name = new URL(db.url ?? '').pathname.slice(1);

    await db.close();

    expect(await exists(name)).toBe(false);
  });

  it.runIf(kind === 'postgres')(
    'drops a released PostgreSQL database by the time the drops are awaited',
    async () => {
      const db = await newDatabase();
      const name = new URL(db.url ?? '').pathname.slice(1);

      await db.release();
      await droppedDatabases();

      expect(await exists(name)).toBe(false);
    },
  );
});
