import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logging/logger.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { pgliteExtensions } from './pglite-extensions.ts';
import { PGliteThread } from './pglite-thread.ts';
import type { PlatformDatabase } from './platform-database.ts';
import { followWork } from './postgres-work-pool.ts';
import { pgliteSystemConnection, postgresSystemConnection } from './system-connection.ts';
import { setConfigStatement } from './transaction-settings.ts';
import {
  cancellationErrorOf,
  currentWork,
  defaultStatementTimeouts,
  type StatementTimeouts,
} from './work-scope.ts';

/** Pass as dataDir to keep the embedded database in memory (tests, the migration engine). */
export const IN_MEMORY = 'memory://';

export interface OpenDatabaseOptions {
  /** Selects PostgreSQL. Unset: the embedded PGlite database under dataDir. */
  databaseUrl?: string;
  /** The hub's data directory; PGlite keeps its files in `<dataDir>/pglite`. IN_MEMORY for none. */
  dataDir: string;
  logger?: Logger;
  /** In memory only: start from this PGlite data-directory dump instead of running initdb. */
  pgliteSnapshot?: Blob;
  /**
   * Run the embedded database in a worker thread (see PGliteThread). Default: with a data
   * directory (the hub, the CLI); in memory (tests) it runs on the calling thread, which starts faster.
   */
  pgliteThread?: boolean;
  /**
   * In memory only: a started PGlite to use instead of starting one. close() hands it to this
   * function instead of closing it (tests reuse one embedded database between tests).
   */
  borrowedPglite?: { pglite: PGlite; giveBack: (pglite: PGlite) => Promise<void> };
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /** PostgreSQL: the longest a statement may run, per kind of work (see runAsWork). */
  statementTimeouts?: StatementTimeouts;
}

/**
 * Timestamps are stored without a zone, in UTC (as the ORM writes them); node-postgres would read
 * them in the process's local zone.
 */
const timestampWithoutZone = 1114;
const utcTimestamps = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === timestampWithoutZone
      ? (value: string) => new Date(`${value.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Where the embedded database keeps its files inside the hub's data directory. */
export function pgliteDirOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pglite');
}

/**
 * The embedded database in a thread of its own: the hub's event loop keeps running while a long
 * statement runs. To the ORM adapter and the job queue it is a PGlite like any other.
 */
async function startPgliteThread(dataDir: string | undefined, options: OpenDatabaseOptions) {
  const thread = await PGliteThread.start({
    dataDir,
    loadDataDir: options.pgliteSnapshot,
    extensions: Object.keys(pgliteExtensions),
    // Jobs and bulk writes (runAsWork kind 'job') wait while requests want the one session.
    priorityOf: () => (currentWork()?.kind === 'job' ? 'background' : 'request'),
    onUnexpectedExit(error) {
      // The database is gone with its thread (out of memory, a crash): every later call would fail.
      options.logger?.fatal({ err: error }, 'the embedded database stopped, stopping');
      process.exit(70);
    },
  });
  // Typed as a PGlite for its users (ORM adapter, job queue, system connection): it is one to them.
  return thread as unknown as PGlite;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

async function openPglite(options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  const inMemory = options.dataDir === IN_MEMORY;
  if (options.pgliteSnapshot && !inMemory)
    throw new Error('pgliteSnapshot applies to in-memory databases only');
  const borrowed = options.borrowedPglite;
  if (borrowed && !inMemory) throw new Error('borrowedPglite applies to in-memory databases only');
  const lock = inMemory
    ? undefined
    : lockDataDir(path.resolve(options.dataDir), (error) => {
        // Someone removed or replaced the lock: another process may be writing the same files now.
        // Stopping is the only way not to corrupt them.
        options.logger?.fatal({ err: error }, 'data directory ownership lost, stopping');
        process.exit(70);
      });
  let pglite: PGlite;
  try {
    const dataDir = inMemory ? undefined : pgliteDirOf(options.dataDir);
    if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    pglite = borrowed
      ? borrowed.pglite
      : (options.pgliteThread ?? !inMemory)
        ? await startPgliteThread(dataDir, options)
        : new PGlite({ dataDir, loadDataDir: options.pgliteSnapshot, extensions: pgliteExtensions });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const systemPrisma = new PrismaClient({
    adapter: new PrismaPGlite(pglite),
    transactionOptions: transactionDefaults,
  });
  let closed = false;
  return {
    kind: 'pglite',
    jobStore: { kind: 'pglite', pglite },
    systemPrisma,
    async ping() {
      await pglite.query('SELECT 1');
    },
    busy: () => pglite instanceof PGliteThread && pglite.busy,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await systemPrisma.$disconnect();
        await (borrowed ? borrowed.giveBack(pglite) : pglite.close());
      } finally {
        lock?.release();
      }
    },
    snapshot: () => pglite.dumpDataDir('none'),
    withSystemConnection: (fn) => fn(pgliteSystemConnection(pglite)),
    async systemQuery<Row>(_name: string, sql: string, params: unknown[]) {
      return (await pglite.query<Row>(sql, params)).rows;
    },
    readTransaction: (fn, settings) =>
      pglite.transaction(async (tx) => {
        await tx.exec(
          settings
            ? `SET TRANSACTION READ ONLY; ${setConfigStatement(settings)}`
            : 'SET TRANSACTION READ ONLY',
        );
        return fn(
          async <Row>(text: string, values: readonly unknown[]) =>
            (await tx.query<Row>(text, [...values])).rows,
        );
      }),
  };
}

/**
 * The planner settings the hub's statements are written for, sent when each connection starts
 * (ADR 0044): random_page_cost 1.1, the setting for data on SSD or in memory, where PostgreSQL's
 * default (4, for spinning disks) makes the planner scan every identity instead of walking an
 * index for a dashboard's top ten or a team's identities. A connection string that sets `options`
 * itself is left as it is: the operator decides.
 */
export function plannerOptions(databaseUrl: string): string | undefined {
  if (new URL(databaseUrl).searchParams.has('options')) return undefined;
  return '-c random_page_cost=1.1';
}

/** Node's codes for a server certificate it would not trust. */
const certificateRefusals = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * TLS's own words ("unable to verify the first certificate") do not say what to change: the
 * refusal is named for what it is, with the settings that decide it.
 */
function tlsProblemOf(error: unknown): Error | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !certificateRefusals.has(code)) return undefined;
  return new Error(
    `PostgreSQL's TLS certificate was refused (${(error as Error).message}): it must be signed by the CA ` +
      'in the DATABASE_URL parameter sslrootcert, and with sslmode=verify-full name the host DATABASE_URL connects to',
    { cause: error },
  );
}

/**
 * Prisma ends an interactive transaction after 5 s by default and rolls back work that was done,
 * only slowly: on a loaded machine a 5,000-row insert committed at 5.4 s and was lost. Each
 * statement is bounded by its own statement timeout; this bounds the whole transaction (and the
 * wait for a connection: PGlite has one) generously. Callers with longer work pass their own.
 */
const transactionDefaults = { timeout: 30_000, maxWait: 15_000 };

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  const timeouts = options.statementTimeouts ?? defaultStatementTimeouts;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // Most borrowers are requests: their limit is the connections' own, so they never pay a SET.
    statement_timeout: timeouts.requestMs,
    options: plannerOptions(databaseUrl),
  });
  pool.on('error', (error) => options.logger?.error({ err: error }, 'idle PostgreSQL connection failed'));
  const work = followWork(pool, { connectionString: databaseUrl, timeouts, logger: options.logger });
  const systemPrisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: transactionDefaults,
  });
  let closed = false;
  return {
    kind: 'postgres',
    jobStore: { kind: 'postgres', connectionString: databaseUrl },
    systemPrisma,
    async ping() {
      await pool.query('SELECT 1').catch((error: unknown) => {
        throw tlsProblemOf(error) ?? error;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      // Whatever still runs has nobody left to answer (requests drained, jobs stopped): pool.end()
      // would wait for it, up to the statement timeout.
      await work.cancelAll();
      await systemPrisma.$disconnect();
      await pool.end();
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async withSystemConnection(fn) {
      const client = await pool.connect();
      try {
        const result = await fn(postgresSystemConnection(client));
        client.release();
        return result;
      } catch (error) {
        // The session may still hold locks or settings; do not hand it to anyone else.
        client.release(true);
        throw cancellationErrorOf(error) ?? error;
      }
    },
    async systemQuery<Row>(name: string, sql: string, params: unknown[]) {
      // A named statement is parsed and planned once per pooled connection.
      try {
        return (await pool.query({ name, text: sql, values: params })).rows as Row[];
      } catch (error) {
        throw cancellationErrorOf(error) ?? error;
      }
    },
    async readTransaction(fn, settings) {
      const client = await pool.connect();
      try {
        // Without parameters this is the simple protocol: both statements in one round trip.
        await client.query(settings ? `BEGIN READ ONLY; ${setConfigStatement(settings)}` : 'BEGIN READ ONLY');
        const result = await fn(
          async <Row>(text: string, values: readonly unknown[]) =>
            (await client.query({ text, values: [...values], types: utcTimestamps })).rows as Row[],
        );
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        // The session may be mid-transaction or broken: do not hand it to anyone else.
        client.release(true);
        throw cancellationErrorOf(error) ?? error;
      }
    },
  };
}
