import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { PlatformDatabase, SystemConnection } from '../database/platform-database.ts';
import {
  appliedMigrations,
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupControlLine,
  type BackupHeader,
  quoteIdentifier,
  schemaTables,
} from './backup-format.ts';

export interface BackupSummary {
  header: BackupHeader;
  /** Rows written, by table. */
  rows: Record<string, number>;
}

export interface WriteBackupOptions {
  /** Rows read per round trip; only so many are held in memory at a time. Default 1,000. */
  batchRows?: number;
}

/**
 * Writes a backup of the whole database to `output` (gzip-compressed JSON lines, see
 * backup-format.ts) and ends it. Every table is read in one REPEATABLE READ transaction: the file
 * holds the database as it was at one instant, whatever is written meanwhile, and a transaction
 * that committed while the backup ran is in it entirely or not at all. Rows go out in batches
 * through a cursor, as fast as `output` takes them.
 *
 * On PostgreSQL the backup holds one pooled connection and blocks no writer. The embedded database
 * has one session: requests wait while the backup reads (ADR 0053 has the figures).
 */
export async function writeBackup(
  database: PlatformDatabase,
  output: Writable,
  options: WriteBackupOptions = {},
): Promise<BackupSummary> {
  const gzip = createGzip();
  const piped = pipeline(gzip, output);
  try {
    const summary = await database.withSystemConnection((connection) =>
      connection.transaction((tx) => dumpSnapshot(tx, database, gzip, options.batchRows ?? 1_000)),
    );
    gzip.end();
    await piped;
    return summary;
  } catch (error) {
    // The consumer sees a broken stream, never a file that merely looks short.
    gzip.destroy(error as Error);
    await piped.catch(() => {});
    throw error;
  }
}

async function dumpSnapshot(
  tx: SystemConnection,
  database: PlatformDatabase,
  out: Writable,
  batchRows: number,
): Promise<BackupSummary> {
  // Must come first in the transaction: the snapshot is taken at its first query.
  await tx.exec(
    'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL statement_timeout = 0',
  );
  const [now] = await tx.query<{ at: Date | string }>('SELECT now() AS at');
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_FORMAT_VERSION,
    product: 'NHI Hub',
    database: database.kind,
    migrations: await appliedMigrations(tx),
    takenAt: new Date(now?.at ?? Date.now()).toISOString(),
    tables: await schemaTables(tx),
  };
  await put(out, `${JSON.stringify(header)}\n`);
  const rows: Record<string, number> = {};
  for (const table of header.tables) {
    await put(out, `${JSON.stringify(['table', table] satisfies BackupControlLine)}\n`);
    rows[table] = await dumpTable(tx, table, out, batchRows);
  }
  await put(out, `${JSON.stringify(['end', { rows }] satisfies BackupControlLine)}\n`);
  return { header, rows };
}

async function dumpTable(tx: SystemConnection, table: string, out: Writable, batchRows: number) {
  await tx.exec(
    `DECLARE nhi_backup NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS row FROM ${quoteIdentifier(table)} t`,
  );
  let count = 0;
  for (;;) {
    const batch = await tx.query<{ row: string }>(`FETCH ${batchRows} FROM nhi_backup`);
    if (batch.length === 0) break;
    // A json (not jsonb) column keeps its line breaks as written: one row must stay one line.
    const lines = batch.map(({ row }) => (row.includes('\n') ? JSON.stringify(JSON.parse(row)) : row));
    await put(out, `${lines.join('\n')}\n`);
    count += batch.length;
  }
  await tx.exec('CLOSE nhi_backup');
  return count;
}

/** Writes and waits while the stream's buffer is full, so rows are never piled up in memory. */
async function put(out: Writable, text: string): Promise<void> {
  // The reader went away (a client hung up, a disk filled): stop reading the database.
  if (out.destroyed) throw out.errored ?? new Error('The backup output was closed before the backup ended');
  if (!out.write(text)) await once(out, 'drain');
}
