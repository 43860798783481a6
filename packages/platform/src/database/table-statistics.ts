import type { Logger } from '../logging/logger.ts';
import type { PlatformDatabase } from './platform-database.ts';

/**
 * Below this many written rows autovacuum's own analyze (50 rows + 10% of the table) keeps up;
 * above it a bulk write can leave the planner with the statistics of an empty table for minutes.
 */
export const bulkWriteRows = 1000;

const tableName = /^[A-Z][A-Za-z0-9]*$/;

/**
 * Refreshes the planner's statistics of the tables a bulk write touched (scan ingest, imports),
 * once it has committed and when it wrote at least `bulkWriteRows` rows: a list filtered on
 * 100k fresh identities was planned as if the table were empty (measured: over 120 s, 0.64 s
 * after ANALYZE). Runs outside any transaction as system work (ANALYZE needs the tables' owner,
 * row-level security does not apply to statistics). A failure is logged, never thrown: the
 * write itself succeeded.
 */
export async function analyzeAfterBulkWrite(
  database: PlatformDatabase,
  tables: readonly string[],
  rowsWritten: number,
  logger?: Logger,
): Promise<boolean> {
  if (rowsWritten < bulkWriteRows || tables.length === 0) return false;
  for (const table of tables) if (!tableName.test(table)) throw new Error(`Not a table name: ${table}`);
  const started = Date.now();
  try {
    await analyzeTables(database, tables);
    logger?.info({ tables, rowsWritten, ms: Date.now() - started }, 'table statistics refreshed');
    return true;
  } catch (error) {
    logger?.warn({ err: error, tables }, 'could not refresh table statistics');
    return false;
  }
}

/**
 * The same for a write that counts its rows per table: only the tables it wrote at least
 * `bulkWriteRows` rows to are analyzed. Another table's statistics were not made stale by it, and
 * analyzing it costs as much.
 */
export async function analyzeTablesWrittenInBulk(
  database: PlatformDatabase,
  written: Readonly<Record<string, number>>,
  logger?: Logger,
): Promise<boolean> {
  const bulk = Object.entries(written).filter(([, rows]) => rows >= bulkWriteRows);
  const rows = bulk.reduce((sum, [, count]) => sum + count, 0);
  return analyzeAfterBulkWrite(
    database,
    bulk.map(([table]) => table),
    rows,
    logger,
  );
}

/**
 * ANALYZE of each table, two tables at once on PostgreSQL: one ANALYZE uses one core, and after a
 * bulk write nothing else is waiting for the other (measured on two cores: 1.4 s for the six tables
 * of a 20k-identity scan in one statement). PGlite has one connection: one after the other.
 */
async function analyzeTables(database: PlatformDatabase, tables: readonly string[]) {
  const waiting = [...tables];
  const lanes = database.kind === 'postgres' ? Math.min(2, waiting.length) : 1;
  await Promise.all(
    Array.from({ length: lanes }, () =>
      database.withSystemConnection(async (connection) => {
        for (let table = waiting.shift(); table; table = waiting.shift())
          await connection.exec(`ANALYZE "${table}"`);
      }),
    ),
  );
}
