import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import type { SystemConnection } from './platform-database.ts';

export function pgliteSystemConnection(session: PGlite | Transaction): SystemConnection {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await session.query<Row>(sql, params)).rows;
    },
    async exec(script: string) {
      await session.exec(script);
    },
    async transaction<T>(fn: (connection: SystemConnection) => Promise<T>): Promise<T> {
      if (!('transaction' in session)) throw new Error('Nested transactions are not supported');
      // PGlite's own transaction holds its session mutex, so nothing else interleaves statements.
      return session.transaction((tx) => fn(pgliteSystemConnection(tx)));
    },
  };
}

export function postgresSystemConnection(
  client: pg.PoolClient | pg.Client,
  inTransaction = false,
): SystemConnection {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async exec(script: string) {
      // Without parameters node-postgres uses the simple protocol, which runs every statement of
      // the script in one round trip; splitting on `;` would break DO blocks and comments.
      await client.query(script);
    },
    async transaction<T>(fn: (connection: SystemConnection) => Promise<T>): Promise<T> {
      if (inTransaction) throw new Error('Nested transactions are not supported');
      await client.query('BEGIN');
      try {
        const result = await fn(postgresSystemConnection(client, true));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
  };
}
