import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { applyMigrations } from '../database/migrate.ts';
import { defaultMigrationsDir, readMigrationFiles, sha256Hex } from '../database/migration-files.ts';
import { IN_MEMORY, openDatabase, pgliteDirOf } from '../database/open-database.ts';
import { pgliteExtensions } from '../database/pglite-extensions.ts';
import { cachedPgliteDump, emptyPgliteSnapshot } from '../database/pglite-snapshots.ts';
import type { DatabaseKind, PlatformDatabase } from '../database/platform-database.ts';
import {
  dropIdlePostgres,
  giveBackPglite,
  giveBackPostgres,
  lendPglite,
  lendPostgres,
  type PostgresLending,
} from './reused-test-databases.ts';

export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

export type TestDatabase = PlatformDatabase & {
  /** PostgreSQL only: the connection string of this test's database. */
  url?: string;
};

export function testPostgresUrl(): string {
  return process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** Identifies the migrated state, so caches built from other migrations are never used. */
function migrationsFingerprint(): string {
  const files = readMigrationFiles(defaultMigrationsDir());
  return sha256Hex(files.map((file) => `${file.name}:${file.checksum}`).join('\n')).slice(0, 16);
}

let pgliteSnapshot: Promise<Blob> | undefined;

/**
 * A migrated PGlite costs an initdb plus the migrations (seconds); loading a dump of one takes a
 * fraction of that. The dump is shared between test processes through a file in the temp dir.
 */
function migratedPgliteSnapshot(): Promise<Blob> {
  pgliteSnapshot ??= cachedPgliteDump(`migrated-${migrationsFingerprint()}`, async () => {
    const db = await openDatabase({ dataDir: IN_MEMORY, pgliteSnapshot: await emptyPgliteSnapshot() });
    try {
      await applyMigrations(db);
      const dump = await db.snapshot?.();
      if (!dump) throw new Error('PGlite snapshot is unavailable');
      return dump;
    } finally {
      await db.close();
    }
  });
  pgliteSnapshot.catch(() => {
    pgliteSnapshot = undefined;
  });
  return pgliteSnapshot;
}

/**
 * Writes a migrated embedded database where the hub keeps it (`<dataDir>/pglite`), loaded from the
 * dump the PGlite test databases start from: an initdb and the migrations on disk cost seconds of
 * CPU, which tests of commands that open a data directory would otherwise pay once per file.
 */
export async function writeMigratedPgliteDataDir(dataDir: string): Promise<void> {
  const pglite = new PGlite({
    dataDir: pgliteDirOf(dataDir),
    loadDataDir: await migratedPgliteSnapshot(),
    extensions: pgliteExtensions,
  });
  try {
    await pglite.waitReady;
  } finally {
    await pglite.close();
  }
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

let postgresTemplate: Promise<string> | undefined;

/**
 * A migrated template database: each test database is a cheap copy of it (CREATE DATABASE ...
 * TEMPLATE). An advisory lock keeps parallel test processes from building it twice.
 */
function migratedPostgresTemplate(): Promise<string> {
  postgresTemplate ??= withAdminClient(async (admin) => {
    const name = `nhi_test_tpl_${migrationsFingerprint()}`;
    await admin.query(`SELECT pg_advisory_lock(hashtext('nhi_test_template'))`);
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return name;
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const db = await openDatabase({
        databaseUrl: databaseUrl(building),
        dataDir: IN_MEMORY,
        maxConnections: 1,
      });
      try {
        await applyMigrations(db);
      } finally {
        await db.close();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      // Templates of earlier migration states are of little further use, but test runs of other
      // checkouts (other migration states) may share this server: keep the most recent few.
      const stale = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'nhi\\_test\\_tpl\\_%' AND datname <> $1
         ORDER BY oid DESC OFFSET 3`,
        [name],
      );
      for (const row of stale.rows)
        await admin.query(`DROP DATABASE IF EXISTS "${row.datname}"`).catch(() => {});
      return name;
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('nhi_test_template'))`);
    }
  });
  postgresTemplate.catch(() => {
    postgresTemplate = undefined;
  });
  return postgresTemplate;
}

let postgresProbe: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers; otherwise why it does not. */
export function postgresUnavailableReason(): Promise<string | undefined> {
  postgresProbe ??= withAdminClient(async (client) => {
    await client.query('SELECT 1');
    return undefined;
  }).catch((error: unknown) => {
    const url = new URL(testPostgresUrl());
    url.password = '';
    return `PostgreSQL at ${url.toString()} is not reachable: ${error instanceof Error ? error.message : String(error)}`;
  });
  return postgresProbe;
}

export interface TestDatabaseOptions {
  /** false: an empty database, for tests of the migrations themselves. Default true. */
  migrated?: boolean;
  /** PGlite: run it in a worker thread, as the hub does with a data directory. Default false. */
  pgliteThread?: boolean;
  /**
   * PostgreSQL: lend a database an earlier test gave back, emptied (see reused-test-databases.ts).
   * The caller then drops the idle ones when its suite ends (releaseIdleTestDatabases). Default
   * false. Migrated PGlite databases are always reused: they live and end with the test process.
   */
  reuse?: boolean;
}

const postgresLending: PostgresLending = {
  get adminUrl() {
    return testPostgresUrl();
  },
  urlOf: databaseUrl,
  create: (name) => copyTemplate(name, true),
  newName: () => `nhi_test_${randomBytes(6).toString('hex')}`,
};

/** Drops the PostgreSQL databases kept for reuse; call when the suite that reused them ends. */
export async function releaseIdleTestDatabases(): Promise<void> {
  await dropIdlePostgres(testPostgresUrl());
}

/** A fresh database of the given kind, fully migrated unless asked otherwise; close() discards it. */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (kind === 'pglite' && migrated && !options.pgliteThread) {
    const pglite = await lendPglite(migratedPgliteSnapshot);
    return openDatabase({ dataDir: IN_MEMORY, borrowedPglite: { pglite, giveBack: giveBackPglite } });
  }
  if (kind === 'pglite') {
    const snapshot = migrated ? await migratedPgliteSnapshot() : await emptyPgliteSnapshot();
    return openDatabase({ dataDir: IN_MEMORY, pgliteSnapshot: snapshot, pgliteThread: options.pgliteThread });
  }
  const unavailable = await postgresUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  if (migrated && options.reuse) {
    const name = await lendPostgres(postgresLending);
    return openPostgresTest(name, () => giveBackPostgres(postgresLending, name));
  }
  const name = `nhi_test_${randomBytes(6).toString('hex')}`;
  await copyTemplate(name, migrated);
  return openPostgresTest(name, () =>
    withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  );
}

/** The test database with this name; close() closes it, then lets `release` drop it or keep it. */
async function openPostgresTest(name: string, release: () => Promise<unknown>): Promise<TestDatabase> {
  const url = databaseUrl(name);
  const db = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, maxConnections: 4 });
  return {
    ...db,
    url,
    async close() {
      await db.close();
      await release();
    },
  };
}

/** A template dropped by another checkout's test run is rebuilt once. */
async function copyTemplate(name: string, migrated: boolean): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const template = migrated ? await migratedPostgresTemplate() : 'template1';
    try {
      await withAdminClient((admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      return;
    } catch (error) {
      const missing = (error as { code?: string }).code === '3D000';
      if (!missing || !migrated || attempt > 1) throw error;
      postgresTemplate = undefined;
    }
  }
}
