import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { pgliteExtensions } from '../database/pglite-extensions.ts';

/**
 * Test databases, emptied and lent again. Loading a migrated PGlite costs about 1.5 s of CPU
 * (unpacking a 40 MB data directory, starting PostgreSQL) and copying the PostgreSQL template a
 * few hundred milliseconds, and every test opens one; emptying one costs a few milliseconds.
 *
 * A database given back is emptied (its session reset, schemas a test added dropped, every row
 * deleted) and lent again only if its catalogue is still the migrated one: a test that changed a
 * table, a policy, a function or a grant leaves its database to be discarded, so no test starts
 * from another test's schema. And no test reaches the next one's data: a lent PGlite is a
 * revocable handle, dead once given back, and a PostgreSQL database is renamed before it is lent
 * again, so a connection string a test leaked no longer leads to it.
 */

/** Of the migrated database: kept when emptying, as the migrations' own record. */
const KEPT_TABLES = new Set(['_prisma_migrations']);
/**
 * A table with more on disk than this is truncated; a smaller one has its rows deleted, which in
 * PGlite takes a millisecond where a truncation takes tens (new files for the table and each index).
 */
const TRUNCATE_FROM_BYTES = 256 * 1024;
/** An emptying that takes longer than this means the database is stuck (a transaction never ended). */
const EMPTYING_LIMIT_MS = 10_000;

/**
 * What a test may change in the schema, reduced to one hash; row contents, sizes and file nodes
 * are left out. Roles and cluster settings count only for PGlite, whose cluster is the test's
 * own: on PostgreSQL they are shared by every database of the server.
 */
function catalogueFingerprint(ownCluster: boolean): string {
  const cluster = ownCluster
    ? `UNION ALL
    SELECT 'role ' || rolname || ' ' || rolsuper || rolinherit || rolcanlogin || rolbypassrls FROM pg_roles
    UNION ALL
    SELECT 'member ' || roleid::regrole || ' ' || member::regrole FROM pg_auth_members`
    : '';
  return `
  SELECT md5(string_agg(item, E'\\n' ORDER BY item)) AS fingerprint FROM (
    SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relnatts || ' '
           || c.relrowsecurity || c.relforcerowsecurity || ' ' || coalesce(c.relacl::text, '') AS item
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
    UNION ALL
    SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'policy ' || polrelid::regclass || '.' || polname || ' ' || polcmd::text || ' ' || polpermissive || ' '
           || coalesce(pg_get_expr(polqual, polrelid), '') || ' ' || coalesce(pg_get_expr(polwithcheck, polrelid), '')
      FROM pg_policy
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure || ' ' || md5(p.prosrc) || ' ' || coalesce(p.proacl::text, '')
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || tgenabled::text FROM pg_trigger
    UNION ALL
    SELECT 'setting ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
     WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL
    SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') FROM pg_namespace
    UNION ALL
    SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
    ${cluster}
  ) catalogue`;
}

/** One connection to the database being emptied. */
interface Session {
  query<Row>(sql: string): Promise<Row[]>;
  exec(sql: string): Promise<void>;
}

interface Pristine {
  fingerprint: string;
  schemas: Set<string>;
  /** Names the tables that hold rows, with their size: emptying only those is much faster than all. */
  holdingRows: string;
}

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function fingerprintOf(session: Session, ownCluster: boolean): Promise<string> {
  return (
    (await session.query<{ fingerprint: string }>(catalogueFingerprint(ownCluster)))[0]?.fingerprint ?? ''
  );
}

async function userSchemas(session: Session): Promise<string[]> {
  const rows = await session.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('information_schema') AND nspname NOT LIKE 'pg\\_%'`,
  );
  return rows.map((row) => row.nspname);
}

async function readPristine(session: Session, ownCluster: boolean): Promise<Pristine> {
  const rows = await session.query<{ schemaname: string; tablename: string }>(
    `SELECT schemaname, tablename FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  const tables = rows
    .filter((row) => !KEPT_TABLES.has(row.tablename))
    .map((row) => `${quoted(row.schemaname)}.${quoted(row.tablename)}`);
  const checks = tables.map(
    (table) =>
      `SELECT ${literal(table)} AS name, pg_relation_size(${literal(table)}) AS bytes WHERE EXISTS (SELECT 1 FROM ${table})`,
  );
  return {
    fingerprint: await fingerprintOf(session, ownCluster),
    schemas: new Set(await userSchemas(session)),
    holdingRows: checks.join(' UNION ALL '),
  };
}

/** Empties the database; true when its catalogue is still the pristine one. */
async function empty(session: Session, state: Pristine, ownCluster: boolean): Promise<boolean> {
  for (const schema of await userSchemas(session)) {
    if (!state.schemas.has(schema)) await session.exec(`DROP SCHEMA ${quoted(schema)} CASCADE`);
  }
  const used = state.holdingRows
    ? await session.query<{ name: string; bytes: number }>(state.holdingRows)
    : [];
  const large = used.filter((row) => Number(row.bytes) > TRUNCATE_FROM_BYTES).map((row) => row.name);
  const small = used.filter((row) => Number(row.bytes) <= TRUNCATE_FROM_BYTES).map((row) => row.name);
  // Replica mode: no foreign-key checks or triggers while emptying, so the order does not matter
  // and no trigger writes elsewhere.
  await session.exec(
    [
      'SET session_replication_role = replica;',
      ...small.map((table) => `DELETE FROM ${table};`),
      large.length ? `TRUNCATE ${large.join(', ')};` : '',
      'RESET session_replication_role;',
    ].join(' '),
  );
  return (await fingerprintOf(session, ownCluster)) === state.fingerprint;
}

async function withinLimit(work: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), EMPTYING_LIMIT_MS);
  });
  return Promise.race([work.catch(() => false), late]).finally(() => clearTimeout(timer));
}

// ---- PGlite -------------------------------------------------------------------------------------

interface LentPglite {
  handle: PGlite;
  revoke: () => void;
}

let pglitePristine: Promise<Pristine> | undefined;
const idlePglites: PGlite[] = [];
const lentPglites = new WeakMap<PGlite, { target: PGlite; revoke: () => void }>();

function pgliteSession(pglite: PGlite): Session {
  return {
    query: async <Row>(sql: string) => (await pglite.query<Row>(sql)).rows,
    exec: async (sql: string) => {
      await pglite.exec(sql);
    },
  };
}

/** A handle that forwards to the database until revoked; after that, every use throws. */
function revocable(target: PGlite): LentPglite {
  const { proxy, revoke } = Proxy.revocable(target, {
    get(object, key) {
      const value = Reflect.get(object, key, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
  return { handle: proxy, revoke };
}

/** A migrated embedded database: one given back and emptied, or a new one loaded from the snapshot. */
export async function lendPglite(snapshot: () => Promise<Blob>): Promise<PGlite> {
  let target = idlePglites.pop();
  if (!target) {
    target = new PGlite({ loadDataDir: await snapshot(), extensions: pgliteExtensions });
    await target.waitReady;
    pglitePristine ??= readPristine(pgliteSession(target), true);
    await pglitePristine;
  }
  const { handle, revoke } = revocable(target);
  lentPglites.set(handle, { target, revoke });
  return handle;
}

/** Takes a database back: emptied and lent again when its schema is untouched, closed otherwise. */
export async function giveBackPglite(handle: PGlite): Promise<void> {
  const lent = lentPglites.get(handle);
  if (!lent) throw new Error('this PGlite was not lent by the test database pool');
  lentPglites.delete(handle);
  lent.revoke();
  const { target } = lent;
  const state = pglitePristine ? await pglitePristine : undefined;
  const session = pgliteSession(target);
  const reusable =
    state !== undefined &&
    !target.closed &&
    (await withinLimit(
      (async () => {
        // A test that failed inside a transaction may have left it open; outside one this only warns.
        await session.exec('ROLLBACK');
        // Role, settings, prepared statements, temporary tables, advisory locks, LISTENs.
        await session.exec('DISCARD ALL');
        return empty(session, state, true);
      })(),
    ));
  if (reusable) {
    idlePglites.push(target);
    return;
  }
  // A stuck database may never answer close either: it is left to be collected.
  void target.close().catch(() => {});
}

/** Closes the databases waiting to be lent again (at the end of a file's suite). */
export async function closeIdlePglites(): Promise<void> {
  const closing = idlePglites.splice(0).map((pglite) => pglite.close().catch(() => {}));
  await Promise.all(closing);
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

let postgresPristine: Promise<Pristine> | undefined;
const idlePostgres: string[] = [];

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresSession(client: pg.Client): Session {
  return {
    query: async <Row>(sql: string) => (await client.query(sql)).rows as Row[],
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

export interface PostgresLending {
  /** The server's administrative connection string. */
  adminUrl: string;
  /** The connection string of the database with this name. */
  urlOf: (name: string) => string;
  /** Creates a new migrated database with this name. */
  create: (name: string) => Promise<void>;
  /** A new unique database name. */
  newName: () => string;
}

/**
 * The name of a migrated PostgreSQL database to lend: one given back and emptied (renamed, so a
 * leaked connection string no longer leads to it), or a new copy of the template.
 */
export async function lendPostgres(lending: PostgresLending): Promise<string> {
  const name = lending.newName();
  const reused = idlePostgres.pop();
  if (reused) {
    const renamed = await withClient(lending.adminUrl, (admin) =>
      admin.query(`ALTER DATABASE ${quoted(reused)} RENAME TO ${quoted(name)}`),
    ).then(
      () => true,
      // Someone connected to it again since it was given back: it is not lent.
      () => dropPostgres(lending.adminUrl, reused).then(() => false),
    );
    if (renamed) return name;
  }
  await lending.create(name);
  postgresPristine ??= withClient(lending.urlOf(name), (client) =>
    readPristine(postgresSession(client), false),
  );
  await postgresPristine;
  return name;
}

/** Takes a database back (its users closed): emptied and kept when its schema is untouched, dropped otherwise. */
export async function giveBackPostgres(lending: PostgresLending, name: string): Promise<void> {
  const state = postgresPristine ? await postgresPristine : undefined;
  const reusable =
    state !== undefined &&
    (await withinLimit(
      (async () => {
        // Connections a test left open would keep reading and writing what the next test sees.
        await withClient(lending.adminUrl, (admin) =>
          admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]),
        );
        return withClient(lending.urlOf(name), (client) => empty(postgresSession(client), state, false));
      })(),
    ));
  if (reusable) {
    idlePostgres.push(name);
    return;
  }
  await dropPostgres(lending.adminUrl, name);
}

async function dropPostgres(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`));
}

/** Drops the databases waiting to be lent again (at the end of a file's suite). */
export async function dropIdlePostgres(adminUrl: string): Promise<void> {
  for (const name of idlePostgres.splice(0)) await dropPostgres(adminUrl, name).catch(() => {});
}
