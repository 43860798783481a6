import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { PlatformDatabase } from './platform-database.ts';
import { modelScopes, scopeArgs } from './realm-scope-extension.ts';
import type { Sql } from './sql-fragments.ts';

/** The database role application queries run as; row-level security applies to it (see the migrations). */
export const APPLICATION_ROLE = 'nhi_app';

type ReadOperation =
  | 'findUnique'
  | 'findUniqueOrThrow'
  | 'findFirst'
  | 'findFirstOrThrow'
  | 'findMany'
  | 'count';
type Tx = Prisma.TransactionClient;

/** Models that carry realmId, found through the column references Prisma exposes on each delegate. */
type RealmModelKey = {
  [K in keyof Tx]: Tx[K] extends { fields: { realmId: unknown } } ? K : never;
}[keyof Tx];

/** Data to create without naming the realm: the scoped client supplies it. */
type WithoutRealm<Data> = Data extends readonly (infer Item)[]
  ? WithoutRealm<Item>[]
  : Data extends object
    ? Omit<Data, 'realmId' | 'realm'>
    : Data;

type ArgsWithoutRealm<
  Delegate,
  Operation extends 'create' | 'createMany' | 'createManyAndReturn' | 'upsert',
  Key extends string,
> = Omit<Prisma.Args<Delegate, Operation>, Key> & {
  [K in Key]: WithoutRealm<Prisma.Args<Delegate, Operation>[K & keyof Prisma.Args<Delegate, Operation>]>;
};

/** A realm model's delegate whose create operations do not ask for the realm. */
type RealmScopedDelegate<Delegate> = Omit<
  Delegate,
  'create' | 'createMany' | 'createManyAndReturn' | 'upsert'
> & {
  create<A extends ArgsWithoutRealm<Delegate, 'create', 'data'>>(
    args: A,
  ): Prisma.PrismaPromise<Prisma.Result<Delegate, A, 'create'>>;
  createMany(
    args: ArgsWithoutRealm<Delegate, 'createMany', 'data'>,
  ): Prisma.PrismaPromise<Prisma.BatchPayload>;
  createManyAndReturn<A extends ArgsWithoutRealm<Delegate, 'createManyAndReturn', 'data'>>(
    args: A,
  ): Prisma.PrismaPromise<Prisma.Result<Delegate, A, 'createManyAndReturn'>>;
  upsert<A extends ArgsWithoutRealm<Delegate, 'upsert', 'create'>>(
    args: A,
  ): Prisma.PrismaPromise<Prisma.Result<Delegate, A, 'upsert'>>;
};

/**
 * What application code may do inside a realm transaction. Realm data (every model with realmId)
 * is fully available and confined to the realm; creating a row never names the realm. The realm
 * itself and its members' User rows are readable, nothing more: realms, users, sessions and
 * signing keys are managed by system code. Raw SQL is limited to tagged templates (parameterised)
 * and still confined by row-level security.
 */
export type RealmTx = Omit<
  Tx,
  RealmModelKey | 'realm' | 'user' | 'session' | 'signingKey' | '$queryRawUnsafe' | '$executeRawUnsafe'
> & { [K in RealmModelKey]: RealmScopedDelegate<Tx[K]> } & {
  realm: Pick<Tx['realm'], ReadOperation>;
  /** Members of the realm only; passwordHash is not readable (select the fields you need). */
  user: Pick<Tx['user'], ReadOperation>;
};

/** Runs one statement built with `sql` and returns its rows. */
export type RealmQuery = <Row>(statement: Sql) => Promise<Row[]>;

export interface RealmReadOptions {
  /**
   * false: the read's statements run without parallel workers. For callers that already run their
   * reads side by side on several connections, where workers would only compete for the same cores.
   */
  parallelWorkers?: boolean;
}

export interface RealmTransactionOptions {
  /** Milliseconds the transaction may run (the database's default: 30 s). */
  timeout?: number;
  /** Milliseconds to wait for a connection (the database's default: 15 s). */
  maxWait?: number;
}

const scopedClients = new WeakMap<PrismaClient, Map<string, PrismaClient>>();

function scopedClient(systemPrisma: PrismaClient, realmId: string): PrismaClient {
  let byRealm = scopedClients.get(systemPrisma);
  if (!byRealm) {
    byRealm = new Map();
    scopedClients.set(systemPrisma, byRealm);
  }
  let client = byRealm.get(realmId);
  if (!client) {
    const scopes = modelScopes(systemPrisma);
    client = systemPrisma.$extends({
      name: 'realm-scope',
      query: {
        $allModels: {
          $allOperations({ model, operation, args, query }) {
            const scope = scopes.get(model);
            if (!scope) throw new Error(`Unknown model ${model}`);
            return query(scopeArgs(scope, model, operation, args as Record<string, unknown>, realmId));
          },
        },
      },
    }) as unknown as PrismaClient;
    byRealm.set(realmId, client);
  }
  return client;
}

/**
 * The data access of one realm. Every query runs in a transaction that sets `app.realm_id` and
 * the role nhi_app, so row-level security confines it even where the query forgets the realm;
 * the client extension adds the realm to every where and every created row on top.
 *
 * Inside fn use only `tx`: on PGlite (one connection) a query through another client waits for
 * this transaction to end, which never happens.
 */
export class RealmDb {
  constructor(
    private readonly db: PlatformDatabase,
    readonly realmId: string,
  ) {
    if (!realmId) throw new Error('RealmDb needs a realm id');
  }

  /**
   * Reads in hand-written SQL, confined to the realm the same way as a transaction (app.realm_id,
   * the role nhi_app, row-level security) and read only, without the ORM: for the hot read paths
   * where the ORM's handling costs more than the statements (the inventory list).
   */
  read<T>(fn: (query: RealmQuery) => Promise<T>, options: RealmReadOptions = {}): Promise<T> {
    // Applied with the BEGIN, in its round trip, and transaction-local like the realm.
    const settings: Record<string, string> = { 'app.realm_id': this.realmId, role: APPLICATION_ROLE };
    if (options.parallelWorkers === false) settings.max_parallel_workers_per_gather = '0';
    return this.db.readTransaction(
      (run) => fn((statement) => run(statement.text, statement.values)),
      settings,
    );
  }

  transaction<T>(fn: (tx: RealmTx) => Promise<T>, options: RealmTransactionOptions = {}): Promise<T> {
    return scopedClient(this.db.systemPrisma, this.realmId).$transaction(async (tx) => {
      // Both settings are transaction-local: they end with the transaction, so a pooled
      // connection never carries one request's realm into the next. set_config('role') is SET LOCAL ROLE.
      await tx.$queryRaw`SELECT set_config('app.realm_id', ${this.realmId}, true), set_config('role', ${APPLICATION_ROLE}, true)`;
      return fn(tx as unknown as RealmTx);
    }, options);
  }
}
