import type { PGlite } from '@electric-sql/pglite';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { TransactionSettings } from './transaction-settings.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface PoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries waiting for a free connection. */
  waiting: number;
}

/**
 * A connection for system work that Prisma's client cannot do: whole multi-statement scripts
 * (migrations) and session-level advisory locks. Never subject to row-level security.
 */
export interface SystemConnection {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements as one simple query. */
  exec(script: string): Promise<void>;
  /** Runs fn inside one transaction on this connection; a throw rolls everything back. */
  transaction<T>(fn: (connection: SystemConnection) => Promise<T>): Promise<T>;
}

/** Runs one parameterised statement (`$1`, `$2`, ...) and returns its rows. */
export type StatementRunner = <Row>(text: string, values: readonly unknown[]) => Promise<Row[]>;

/**
 * What the job queue (pg-boss) connects through: its own pool on PostgreSQL (it needs a session for
 * LISTEN/NOTIFY), the one embedded instance on PGlite (a second instance would not see the data).
 */
export type JobStore = { kind: 'postgres'; connectionString: string } | { kind: 'pglite'; pglite: PGlite };

export interface PlatformDatabase {
  readonly kind: DatabaseKind;
  /** Where the job queue keeps its tables; system code only. */
  readonly jobStore: JobStore;
  /**
   * The unscoped client: bypasses the realm scoping and row-level security. System code only
   * (migrations, seeding, login before a realm is known, cross-realm administration); each use
   * says why. Application code gets a RealmDb instead.
   */
  readonly systemPrisma: PrismaClient;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL only: the state of the connection pool, for metrics. */
  poolStats?(): PoolStats;
  /**
   * Embedded only: the database is working for someone (a statement or transaction is running),
   * so a query waits its turn. Tells a ping that is slow because of bulk work from one that is lost.
   */
  busy?(): boolean;
  /** PGlite only: a consistent dump of the whole data directory (backups, test fixtures). */
  snapshot?(): Promise<Blob>;
  /** Lends a dedicated connection (PGlite: its only session) for system work. */
  withSystemConnection<T>(fn: (connection: SystemConnection) => Promise<T>): Promise<T>;
  /**
   * One statement outside any transaction and without the ORM, as a prepared statement kept by
   * `name`: for per-request hot paths whose own cost is a primary-key read, where the ORM's query
   * building would be most of the time. System code only, like systemPrisma.
   */
  systemQuery<Row>(name: string, sql: string, params: unknown[]): Promise<Row[]>;
  /**
   * A read-only transaction on a pooled connection (PGlite: its session), without the ORM, for hot
   * read paths whose statements are cheaper than the ORM's handling of them. Timestamps come back
   * as UTC instants, as the ORM reads them. Callers confine it to a realm first (RealmDb.read):
   * `settings` are made transaction-local in the same round trip as the BEGIN.
   */
  readTransaction<T>(fn: (run: StatementRunner) => Promise<T>, settings?: TransactionSettings): Promise<T>;
}
