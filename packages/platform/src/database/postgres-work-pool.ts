import pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import { currentWork, StatementCancelledError, type StatementTimeouts } from './work-scope.ts';

interface Checkout {
  client: pg.PoolClient;
  /** A cancel was sent: the connection is closed on release, so a late cancel hits nobody else. */
  cancelled: boolean;
}

export interface WorkPool {
  /** Cancels the running statement of every connection lent out (shutdown: nobody waits for them). */
  cancelAll(): Promise<void>;
}

/**
 * Makes a pool's connections follow the work that borrows them (see runAsWork): each connection
 * carries the statement timeout of the kind of work that last used it, changed with one SET only
 * when the next borrower is of another kind (a pool serving requests sets nothing), and a
 * borrower's running statement is cancelled when its signal aborts. Every path to a connection
 * goes through pool.connect (pool.query too), so the ORM's queries and transactions follow as well.
 */
export function followWork(
  pool: pg.Pool,
  options: { connectionString: string; timeouts: StatementTimeouts; logger?: Logger },
): WorkPool {
  const { timeouts } = options;
  const timeoutOf = new WeakMap<pg.PoolClient, number>();
  const lent = new Set<Checkout>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;

  const cancel = async (checkout: Checkout) => {
    if (checkout.cancelled) return;
    checkout.cancelled = true;
    const pid = (checkout.client as unknown as { processID?: number }).processID;
    if (!pid) return;
    // A connection of its own: the pool may have none free, and a cancel must not wait for one.
    const canceller = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: 5000,
    });
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch (error) {
      options.logger?.warn({ err: error, pid }, 'could not cancel a PostgreSQL statement');
    } finally {
      await canceller.end().catch(() => {});
    }
  };

  const borrow = async (): Promise<pg.PoolClient> => {
    const work = currentWork();
    const signal = work?.signal;
    if (signal?.aborted) throw new StatementCancelledError('abandoned');
    const client = await connect();
    const wanted = work?.kind === 'request' ? timeouts.requestMs : timeouts.jobMs;
    // New connections start with the requests' timeout (a startup parameter of the pool).
    if ((timeoutOf.get(client) ?? timeouts.requestMs) !== wanted) {
      try {
        await client.query(`SET statement_timeout = ${Math.trunc(wanted)}`);
        timeoutOf.set(client, wanted);
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    }
    const checkout: Checkout = { client, cancelled: false };
    lent.add(checkout);
    const onAbort = () => void cancel(checkout);
    signal?.addEventListener('abort', onAbort, { once: true });
    // pg-pool gives every checkout a fresh release function; this wraps the one of this checkout.
    const release = client.release.bind(client);
    client.release = (error?: Error | boolean) => {
      lent.delete(checkout);
      signal?.removeEventListener('abort', onAbort);
      return release(checkout.cancelled ? true : error);
    };
    return client;
  };

  type Callback = (
    error: Error | undefined,
    client?: pg.PoolClient,
    done?: (error?: Error | boolean) => void,
  ) => void;
  (pool as unknown as { connect: (callback?: Callback) => Promise<pg.PoolClient> | undefined }).connect = (
    callback?: Callback,
  ) => {
    const borrowed = borrow();
    if (!callback) return borrowed;
    borrowed.then(
      (client) => callback(undefined, client, client.release),
      (error: Error) => callback(error),
    );
    return undefined;
  };

  return {
    async cancelAll() {
      await Promise.all([...lent].map((checkout) => cancel(checkout)));
    },
  };
}
