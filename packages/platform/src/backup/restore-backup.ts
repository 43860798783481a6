import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { PlatformDatabase, SystemConnection } from '../database/platform-database.ts';
import {
  appliedMigrations,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupControlLine,
  BackupFormatError,
  type BackupHeader,
  quoteIdentifier,
  schemaTables,
} from './backup-format.ts';

export interface RestoreOptions {
  /** Replace what the database holds. Without it a database with any row is refused. */
  force?: boolean;
  /** Rows inserted per statement at most. Default 1,000. */
  batchRows?: number;
}

export interface RestoreSummary {
  header: BackupHeader;
  rows: Record<string, number>;
}

/** The target is not at the backup's migration state. */
export class BackupMigrationMismatchError extends Error {}
/** The target holds data and --force was not given. */
export class BackupTargetNotEmptyError extends Error {}

/** Above this many characters of rows a batch is sent even when it has fewer rows. */
const batchChars = 4 * 1024 * 1024;

/** The header of a backup, read without restoring it (the stream is left unread after it). */
export async function readBackupHeader(input: Readable): Promise<BackupHeader> {
  const lines = backupLines(input);
  try {
    return parseHeader(await firstLine(lines));
  } finally {
    await lines.return(undefined);
  }
}

/**
 * Restores a backup (see backup-format.ts) into `database`, in one transaction: on any problem
 * (another migration state, a non-empty database without `force`, a file cut short or damaged)
 * nothing of it stays and the database is as it was.
 *
 * The rows are loaded as the backup holds them: triggers do not run (a realm's insert would
 * otherwise create its built-in policies a second time), and foreign keys are dropped for the load
 * and created again after it, which checks every reference once, as pg_restore does. Only the
 * tables' owner's rights are needed, not a superuser's.
 */
export async function restoreBackup(
  database: PlatformDatabase,
  input: Readable,
  options: RestoreOptions = {},
): Promise<RestoreSummary> {
  const lines = backupLines(input);
  try {
    const header = parseHeader(await firstLine(lines));
    const rows = await database.withSystemConnection((connection) =>
      connection.transaction(async (tx) => {
        await tx.exec('SET LOCAL statement_timeout = 0');
        await checkTarget(tx, header, options.force ?? false);
        return load(tx, header, lines, options.batchRows ?? 1_000);
      }),
    );
    // Fresh statistics for the planner: the tables changed from nothing to everything. In a
    // transaction of its own, so the pooled connection's statement timeout is lifted for it only.
    await database.withSystemConnection((connection) =>
      connection.transaction((tx) =>
        tx.exec(
          [
            'SET LOCAL statement_timeout = 0;',
            ...header.tables.map((table) => `ANALYZE ${quoteIdentifier(table)};`),
          ].join('\n'),
        ),
      ),
    );
    return { header, rows };
  } finally {
    await lines.return(undefined);
  }
}

async function* backupLines(input: Readable): AsyncGenerator<string, void, undefined> {
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  const reader = readline.createInterface({ input: input.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) if (line !== '') yield line;
  } catch (error) {
    throw new BackupFormatError(`The backup cannot be read: ${(error as Error).message}`);
  } finally {
    reader.close();
    gunzip.destroy();
  }
}

async function firstLine(lines: AsyncGenerator<string, void, undefined>): Promise<string | undefined> {
  const first = await lines.next();
  return first.done ? undefined : first.value;
}

function parseHeader(line: string | undefined): BackupHeader {
  let header: Partial<BackupHeader> | undefined;
  try {
    header = line ? (JSON.parse(line) as Partial<BackupHeader>) : undefined;
  } catch {
    header = undefined;
  }
  if (header?.format !== BACKUP_FORMAT)
    throw new BackupFormatError('This is not an NHI Hub backup (its first line is not a backup header)');
  if (header.version !== BACKUP_FORMAT_VERSION)
    throw new BackupFormatError(
      `The backup is in format version ${header.version}; this version of the hub reads version ${BACKUP_FORMAT_VERSION}`,
    );
  if (!Array.isArray(header.migrations) || !Array.isArray(header.tables))
    throw new BackupFormatError('The backup header lacks its migrations or tables');
  return header as BackupHeader;
}

async function checkTarget(tx: SystemConnection, header: BackupHeader, force: boolean): Promise<void> {
  const applied = await appliedMigrations(tx);
  if (!sameList(applied, header.migrations)) throw migrationMismatch(applied, header.migrations);
  const tables = await schemaTables(tx);
  const missing = header.tables.filter((table) => !tables.includes(table));
  if (missing.length > 0)
    throw new BackupMigrationMismatchError(
      `The database has no table ${missing.join(', ')} although its migrations match the backup's`,
    );
  if (force) return;
  const filled = await tablesWithRows(tx, tables);
  if (filled.length > 0)
    throw new BackupTargetNotEmptyError(
      `The database is not empty (rows in ${filled.slice(0, 5).join(', ')}${filled.length > 5 ? ', …' : ''}): ` +
        'restore into a new database, or pass --force to replace everything it holds',
    );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function migrationMismatch(applied: string[], wanted: string[]): BackupMigrationMismatchError {
  const stateOf = (list: string[]) =>
    list.length === 0 ? 'no migrations' : `${list.length} migrations, last ${list.at(-1)}`;
  const extra = applied.filter((name) => !wanted.includes(name));
  const hint =
    applied.length === 0
      ? 'run `nhi db migrate` with the version of the hub that took the backup first'
      : extra.length > 0
        ? 'the database was migrated further than the backup: restore into a new database migrated by the version of the hub that took the backup'
        : 'migrate the database to the backup state first, with the version of the hub that took the backup';
  return new BackupMigrationMismatchError(
    `The backup was taken at another migration state (${stateOf(wanted)}) than this database's (${stateOf(applied)}): ${hint}`,
  );
}

async function tablesWithRows(tx: SystemConnection, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const probes = tables.map(
    (table, index) =>
      `SELECT $${index + 1}::text AS name WHERE EXISTS (SELECT 1 FROM ${quoteIdentifier(table)})`,
  );
  const rows = await tx.query<{ name: string }>(probes.join(' UNION ALL '), tables);
  return rows.map((row) => row.name);
}

interface ForeignKey {
  table: string;
  name: string;
  definition: string;
}

async function load(
  tx: SystemConnection,
  header: BackupHeader,
  lines: AsyncGenerator<string, void, undefined>,
  batchRows: number,
): Promise<Record<string, number>> {
  const tables = await schemaTables(tx);
  const foreignKeys = await tx.query<ForeignKey>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY conname`,
  );
  await tx.exec(
    [
      ...tables.map((table) => `ALTER TABLE ${quoteIdentifier(table)} DISABLE TRIGGER USER;`),
      ...foreignKeys.map((fk) => `ALTER TABLE ${fk.table} DROP CONSTRAINT ${quoteIdentifier(fk.name)};`),
      // Everything the database held goes, in the same transaction as the load (force only: the
      // check before refused a database with rows otherwise).
      `TRUNCATE ${tables.map(quoteIdentifier).join(', ')};`,
    ].join('\n'),
  );
  const rows = await loadRows(tx, header, lines, batchRows);
  await tx.exec(
    [
      ...foreignKeys.map(
        (fk) => `ALTER TABLE ${fk.table} ADD CONSTRAINT ${quoteIdentifier(fk.name)} ${fk.definition};`,
      ),
      ...tables.map((table) => `ALTER TABLE ${quoteIdentifier(table)} ENABLE TRIGGER USER;`),
    ].join('\n'),
  );
  return rows;
}

async function loadRows(
  tx: SystemConnection,
  header: BackupHeader,
  lines: AsyncGenerator<string, void, undefined>,
  batchRows: number,
): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  let table: string | undefined;
  let batch: string[] = [];
  let chars = 0;
  const flush = async () => {
    if (!table || batch.length === 0) return;
    const name = quoteIdentifier(table);
    // The row type of the table reads each value from its text form, as row_to_json wrote it.
    await tx.query(`INSERT INTO ${name} SELECT * FROM json_populate_recordset(NULL::${name}, $1::json)`, [
      `[${batch.join(',')}]`,
    ]);
    rows[table] = (rows[table] ?? 0) + batch.length;
    batch = [];
    chars = 0;
  };
  for await (const line of lines) {
    if (line.startsWith('{')) {
      if (!table) throw new BackupFormatError('The backup has rows before its first table');
      batch.push(line);
      chars += line.length;
      if (batch.length >= batchRows || chars >= batchChars) await flush();
      continue;
    }
    await flush();
    const control = parseControl(line);
    if (control[0] === 'end') {
      checkCounts(header, control[1].rows, rows);
      return rows;
    }
    table = control[1];
    if (!header.tables.includes(table) || table in rows)
      throw new BackupFormatError(`The backup's table ${table} is not one its header lists once`);
    rows[table] = 0;
  }
  throw new BackupFormatError('The backup is cut short: it ends before its last line. Nothing was restored');
}

function parseControl(line: string): BackupControlLine {
  try {
    const control = JSON.parse(line) as BackupControlLine;
    if (control[0] === 'table' && typeof control[1] === 'string') return control;
    if (control[0] === 'end' && typeof control[1]?.rows === 'object') return control;
  } catch {
    // Reported below, with every other line that is not one of the backup's.
  }
  // The line itself is not quoted: a damaged row may hold anything, secrets among it.
  throw new BackupFormatError('The backup has a damaged line (neither a row nor one of its own)');
}

function checkCounts(header: BackupHeader, written: Record<string, number>, read: Record<string, number>) {
  for (const table of header.tables)
    if ((written[table] ?? 0) !== (read[table] ?? 0))
      throw new BackupFormatError(
        `The backup's table ${table} should have ${written[table] ?? 0} rows, it has ${read[table] ?? 0}`,
      );
}
