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
import type { PlatformDatabase } from './platform-database.ts';
import { pgliteSystemConnection, postgresSystemConnection } from './system-connection.ts';

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
  /** PostgreSQL pool size. */
  maxConnections?: number;
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

export async function openDatabase(options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

async function openPglite(options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  const inMemory = options.dataDir === IN_MEMORY;
  if (options.pgliteSnapshot && !inMemory)
    throw new Error('pgliteSnapshot applies to in-memory databases only');
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
    const dataDir = inMemory ? undefined : path.join(path.resolve(options.dataDir), 'pglite');
    if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    pglite = new PGlite({ dataDir, loadDataDir: options.pgliteSnapshot, extensions: pgliteExtensions });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const systemPrisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  let closed = false;
  return {
    kind: 'pglite',
    jobStore: { kind: 'pglite', pglite },
    systemPrisma,
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await systemPrisma.$disconnect();
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
    snapshot: () => pglite.dumpDataDir('none'),
    withSystemConnection: (fn) => fn(pgliteSystemConnection(pglite)),
    async systemQuery<Row>(_name: string, sql: string, params: unknown[]) {
      return (await pglite.query<Row>(sql, params)).rows;
    },
    readTransaction: (fn) =>
      pglite.transaction(async (tx) => {
        await tx.exec('SET TRANSACTION READ ONLY');
        return fn(
          async <Row>(text: string, values: readonly unknown[]) =>
            (await tx.query<Row>(text, [...values])).rows,
        );
      }),
  };
}

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<PlatformDatabase> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
  pool.on('error', (error) => options.logger?.error({ err: error }, 'idle PostgreSQL connection failed'));
  const systemPrisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    kind: 'postgres',
    jobStore: { kind: 'postgres', connectionString: databaseUrl },
    systemPrisma,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
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
        throw error;
      }
    },
    async systemQuery<Row>(name: string, sql: string, params: unknown[]) {
      // A named statement is parsed and planned once per pooled connection.
      return (await pool.query({ name, text: sql, values: params })).rows as Row[];
    },
    async readTransaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN READ ONLY');
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
        throw error;
      }
    },
  };
}
