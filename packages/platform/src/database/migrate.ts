import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { MigrationError } from './database-errors.ts';
import {
  defaultMigrationsDir,
  type MigrationFile,
  readMigrationFiles,
  sha256Hex,
} from './migration-files.ts';
import type { PlatformDatabase, SystemConnection } from './platform-database.ts';

/** The advisory-lock key Prisma's schema engine takes, so this runner and `prisma migrate` exclude each other. */
const MIGRATION_ADVISORY_LOCK = 72707369;

/** The table exactly as Prisma's schema engine creates it, so `prisma migrate deploy` accepts the history. */
const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  logs: string | null;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
}

export interface ApplyMigrationsOptions {
  migrationsDir?: string;
  logger?: Logger;
}

/** Prisma accepts a file whose line endings changed since it was applied; so does this runner. */
function matchesChecksum(file: MigrationFile, checksum: string): boolean {
  return file.checksum === checksum || sha256Hex(file.sql.replace(/\r\n/g, '\n')) === checksum;
}

async function readHistory(connection: SystemConnection): Promise<HistoryRow[]> {
  const exists = await connection.query<{ present: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`,
  );
  if (!exists[0]?.present) return [];
  return connection.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at, logs FROM "_prisma_migrations"
     WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
  );
}

/** Compares history and files; throws when continuing would build on an unknown or broken state. */
function pendingMigrations(
  files: MigrationFile[],
  history: HistoryRow[],
  migrationsDir: string,
): MigrationFile[] {
  const failed = history.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and blocks all later ones:\n${failed.logs ?? '(no log)'}\n` +
        'Its changes were rolled back. Fix the cause, then mark it rolled back (markMigrationRolledBack, or ' +
        '`prisma migrate resolve --rolled-back`) so that it is applied again.',
    );
  }
  const byName = new Map(files.map((file) => [file.name, file]));
  for (const row of history) {
    const file = byName.get(row.migration_name);
    if (!file) {
      throw new MigrationError(
        `Migration ${row.migration_name} is applied to the database but missing from ${migrationsDir}: ` +
          'the database was migrated by a newer version of the hub.',
      );
    }
    if (!matchesChecksum(file, row.checksum)) {
      throw new MigrationError(
        `Migration ${row.migration_name} was modified after it was applied (checksum differs). ` +
          'Applied migrations must not change: restore the file and put the change in a new migration.',
      );
    }
  }
  const applied = new Set(history.map((row) => row.migration_name));
  return files.filter((file) => !applied.has(file.name));
}

async function applyOne(connection: SystemConnection, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  try {
    await connection.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, clock_timestamp(), 0)`,
        [id, migration.checksum, migration.name],
      );
      // One query for the whole script: statement splitting breaks DO blocks and comments.
      await tx.exec(migration.sql);
      await tx.query(
        `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
    });
  } catch (error) {
    const logs =
      error instanceof Error
        ? `${error.message}${'code' in error ? ` (${String(error.code)})` : ''}`
        : String(error);
    // Recorded the way Prisma records a failure, so that both refuse to go on until it is resolved.
    await connection.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, clock_timestamp(), 0)`,
      [id, migration.checksum, migration.name, logs],
    );
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${logs}`);
  }
}

/** Per database: PGlite's one session would re-enter its own advisory lock, so callers in this process queue here. */
const inProcessQueues = new WeakMap<object, Promise<unknown>>();

async function withMigrationLock<T>(db: PlatformDatabase, fn: (connection: SystemConnection) => Promise<T>) {
  const previous = inProcessQueues.get(db.systemPrisma) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => withAdvisoryLock(db, fn));
  inProcessQueues.set(db.systemPrisma, run);
  return run;
}

async function withAdvisoryLock<T>(db: PlatformDatabase, fn: (connection: SystemConnection) => Promise<T>) {
  return db.withSystemConnection(async (connection) => {
    // Several hub processes may start at once against one PostgreSQL: the second waits, then finds nothing to do.
    await connection.query('SELECT pg_advisory_lock($1)', [MIGRATION_ADVISORY_LOCK]);
    try {
      return await fn(connection);
    } finally {
      await connection.query('SELECT pg_advisory_unlock($1)', [MIGRATION_ADVISORY_LOCK]);
    }
  });
}

/**
 * Applies pending migrations from prisma/migrations, each in its own transaction, recording them in
 * `_prisma_migrations` as Prisma does. Refuses to run when the history and the files disagree.
 */
export async function applyMigrations(
  db: PlatformDatabase,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const files = readMigrationFiles(migrationsDir);
  return withMigrationLock(db, async (connection) => {
    await connection.exec(CREATE_HISTORY_TABLE);
    const history = await readHistory(connection);
    const pending = pendingMigrations(files, history, migrationsDir);
    for (const migration of pending) {
      options.logger?.info({ migration: migration.name }, 'applying migration');
      await applyOne(connection, migration);
    }
    return { applied: pending.map((migration) => migration.name) };
  });
}

/** What applyMigrations would do, without doing it. Throws the same errors. */
export async function migrationStatus(db: PlatformDatabase, migrationsDir = defaultMigrationsDir()) {
  const files = readMigrationFiles(migrationsDir);
  return db.withSystemConnection(async (connection): Promise<MigrationStatus> => {
    const history = await readHistory(connection);
    const pending = pendingMigrations(files, history, migrationsDir);
    return { applied: history.map((row) => row.migration_name), pending: pending.map((file) => file.name) };
  });
}

/** After a failed migration was fixed: lets it be applied again, as `prisma migrate resolve --rolled-back` does. */
export async function markMigrationRolledBack(db: PlatformDatabase, migrationName: string): Promise<void> {
  await withMigrationLock(db, async (connection) => {
    const rows = await connection.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now()
       WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL RETURNING id`,
      [migrationName],
    );
    if (rows.length === 0) throw new MigrationError(`Migration ${migrationName} is not in a failed state`);
  });
}
