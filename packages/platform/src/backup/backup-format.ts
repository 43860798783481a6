import type { DatabaseKind, SystemConnection } from '../database/platform-database.ts';

/**
 * A backup is one gzip stream of JSON lines:
 *
 *   {"format":"nhi-hub-backup","version":1,...}   the header (BackupHeader)
 *   ["table","Nhi"]                               the rows of "Nhi" follow
 *   {"id":"…","realmId":"…",…}                    one row, as PostgreSQL's row_to_json writes it
 *   ["end",{"rows":{"Nhi":1234,…}}]               the last line: a file without it was cut short
 *
 * Arrays are the file's own lines, objects are rows. Rows are the database's text forms of their
 * values (timestamps, bytea as \x hex, enums, jsonb as JSON), so PostgreSQL and the embedded
 * database read them back alike, whichever of the two wrote them.
 */
export const BACKUP_FORMAT = 'nhi-hub-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  product: 'NHI Hub';
  /** The database the backup was taken from; it restores into either kind. */
  database: DatabaseKind;
  /** The migrations applied to it, in order: it restores only into a database with exactly these. */
  migrations: string[];
  /** When its snapshot was taken (ISO 8601, UTC). */
  takenAt: string;
  /** The tables that follow, in the order they follow. */
  tables: string[];
}

export type BackupControlLine = ['table', string] | ['end', { rows: Record<string, number> }];

/** The migration history table belongs to the migrations: the header carries its state instead. */
const MIGRATION_HISTORY = '_prisma_migrations';

/**
 * Every table of the schema the migrations own (the job queue keeps its own schema and is not
 * part of a backup), by name. Read inside the backup's or restore's own transaction.
 */
export async function schemaTables(connection: SystemConnection): Promise<string[]> {
  const rows = await connection.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
       AND c.relname <> $1
     ORDER BY c.relname COLLATE "C"`,
    [MIGRATION_HISTORY],
  );
  return rows.map((row) => row.name);
}

/** The applied migrations, in the order applied; none when the database was never migrated. */
export async function appliedMigrations(connection: SystemConnection): Promise<string[]> {
  const [history] = await connection.query<{ present: boolean }>(
    `SELECT to_regclass('"${MIGRATION_HISTORY}"') IS NOT NULL AS present`,
  );
  if (!history?.present) return [];
  const rows = await connection.query<{ name: string }>(
    `SELECT migration_name AS name FROM "${MIGRATION_HISTORY}"
     WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL ORDER BY started_at, migration_name`,
  );
  return rows.map((row) => row.name);
}

/** A table's name as an identifier; names come from the catalogue, quotes are doubled all the same. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class BackupFormatError extends Error {}
