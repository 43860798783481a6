import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { MigrationError } from './database-errors.ts';
import { applyMigrations, markMigrationRolledBack, migrationStatus } from './migrate.ts';
import { defaultMigrationsDir } from './migration-files.ts';

/** A private copy of the project's migrations that a test may change. */
function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-migrations-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string) {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

function projectMigrationNames(): string[] {
  return fs
    .readdirSync(defaultMigrationsDir(), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describeEachDatabase('applyMigrations', (_kind, newDatabase) => {
  async function setup() {
    const db = await newDatabase({ migrated: false });
    return { db };
  }

  it('applies every migration once and nothing on a second run', async () => {
    const { db } = await setup();

    const first = await applyMigrations(db);
    const second = await applyMigrations(db);

    expect(first.applied).toEqual(projectMigrationNames());
    expect(second.applied).toEqual([]);
    expect(await migrationStatus(db)).toEqual({ applied: projectMigrationNames(), pending: [] });
  });

  it('keeps _prisma_migrations the way Prisma keeps it', async () => {
    const { db } = await setup();
    await applyMigrations(db);

    const rows = await db.systemPrisma.$queryRaw<
      {
        id: string;
        checksum: string;
        migration_name: string;
        finished_at: Date | null;
        started_at: Date;
        logs: string | null;
        rolled_back_at: Date | null;
        applied_steps_count: number;
      }[]
    >`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`;

    expect(rows.map((row) => row.migration_name)).toEqual(projectMigrationNames());
    for (const row of rows) {
      const sql = fs.readFileSync(path.join(defaultMigrationsDir(), row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
    const columns = await db.systemPrisma.$queryRaw<
      { column_name: string; data_type: string; max: number | null }[]
    >`
      SELECT column_name, data_type, character_maximum_length AS max FROM information_schema.columns
      WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', max: 36 },
      { column_name: 'checksum', data_type: 'character varying', max: 64 },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', max: null },
      { column_name: 'migration_name', data_type: 'character varying', max: 255 },
      { column_name: 'logs', data_type: 'text', max: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', max: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', max: null },
      { column_name: 'applied_steps_count', data_type: 'integer', max: null },
    ]);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { db } = await setup();
    const dir = copyOfMigrations();
    await applyMigrations(db, { migrationsDir: dir });
    const [firstName] = projectMigrationNames();
    fs.appendFileSync(path.join(dir, String(firstName), 'migration.sql'), '\n-- an afterthought\n');
    addMigration(dir, '29990101000000_later', 'CREATE TABLE "Later" ("id" TEXT PRIMARY KEY);');

    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(
      new MigrationError(
        `Migration ${firstName} was modified after it was applied (checksum differs). ` +
          'Applied migrations must not change: restore the file and put the change in a new migration.',
      ),
    );
    const later = await db.systemPrisma.$queryRaw<{ present: boolean }[]>`
      SELECT to_regclass('"Later"') IS NOT NULL AS present`;
    expect(later[0]?.present).toBe(false);
  });

  it('refuses to run when the database has a migration the files do not', async () => {
    const { db } = await setup();
    const dir = copyOfMigrations();
    addMigration(dir, '29990101000000_from_the_future', 'SELECT 1;');
    await applyMigrations(db, { migrationsDir: dir });

    await expect(applyMigrations(db)).rejects.toThrow(
      /29990101000000_from_the_future is applied to the database but missing/,
    );
  });

  it('rolls a failing migration back, records the failure and blocks until it is resolved', async () => {
    const { db } = await setup();
    const dir = copyOfMigrations();
    addMigration(
      dir,
      '29990101000000_broken',
      'CREATE TABLE "HalfDone" ("id" TEXT PRIMARY KEY);\nINSERT INTO "NoSuchTable" VALUES (1);\n',
    );

    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(/29990101000000_broken failed/);
    const halfDone = await db.systemPrisma.$queryRaw<{ present: boolean }[]>`
      SELECT to_regclass('"HalfDone"') IS NOT NULL AS present`;
    expect(halfDone[0]?.present).toBe(false);
    const [failed] = await db.systemPrisma.$queryRaw<{ finished_at: Date | null; logs: string | null }[]>`
      SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`;
    expect(failed?.finished_at).toBeNull();
    expect(failed?.logs).toMatch(/NoSuchTable/);
    await expect(applyMigrations(db, { migrationsDir: dir })).rejects.toThrow(/failed earlier and blocks/);

    fs.writeFileSync(
      path.join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "HalfDone" ("id" TEXT);',
    );
    await markMigrationRolledBack(db, '29990101000000_broken');
    expect((await applyMigrations(db, { migrationsDir: dir })).applied).toEqual(['29990101000000_broken']);
  });

  it('runs a script with semicolons in comments and DO blocks as one unit', async () => {
    const { db } = await setup();
    const dir = copyOfMigrations();
    addMigration(
      dir,
      '29990101000000_script',
      `-- a comment; with a semicolon
CREATE TABLE "Scripted" ("id" INT PRIMARY KEY);
DO $$ BEGIN INSERT INTO "Scripted" VALUES (1); INSERT INTO "Scripted" VALUES (2); END $$;`,
    );

    await applyMigrations(db, { migrationsDir: dir });

    const [count] = await db.systemPrisma.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM "Scripted"`;
    expect(count?.n).toBe(2);
  });

  it('applies each migration once when several processes start together', async () => {
    const { db } = await setup();

    const results = await Promise.all([applyMigrations(db), applyMigrations(db), applyMigrations(db)]);

    expect(results.flatMap((result) => result.applied).sort()).toEqual(projectMigrationNames());
    const [count] = await db.systemPrisma.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM "_prisma_migrations"`;
    expect(count?.n).toBe(projectMigrationNames().length);
  });
});
