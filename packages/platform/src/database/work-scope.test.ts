import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestDatabase, postgresUnavailableReason } from '../testing/test-database.ts';
import { IN_MEMORY, openDatabase } from './open-database.ts';
import type { PlatformDatabase } from './platform-database.ts';
import { RealmDb } from './realm-db.ts';
import { cancellationErrorOf, runAsWork, type StatementTimeouts } from './work-scope.ts';

const unavailable = await postgresUnavailableReason();

/** A PostgreSQL database opened with the given statement timeouts, and a watcher connection. */
async function setup(statementTimeouts: StatementTimeouts) {
  const created = await createTestDatabase('postgres');
  onTestFinished(() => created.close());
  const db = await openDatabase({ databaseUrl: created.url, dataDir: IN_MEMORY, statementTimeouts });
  onTestFinished(() => db.close());
  const realmDb = new RealmDb(db, 'realm-under-test');
  // As the edges do: a cancelled statement becomes its domain error, inside the work's scope.
  const sleep = (seconds: number) =>
    realmDb
      .transaction((tx) => tx.$queryRaw`SELECT 1 AS slept FROM pg_sleep(${seconds})`)
      .catch((error: unknown) => {
        throw cancellationErrorOf(error) ?? error;
      });
  return { db, realmDb, sleep, watcher: created };
}

/** How many statements of the database are sleeping right now (cancelled ones no longer are). */
async function sleepers(watcher: PlatformDatabase): Promise<number> {
  const [row] = await watcher.systemQuery<{ n: number }>(
    'sleepers',
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep%'
       AND pid <> pg_backend_pid()`,
    [],
  );
  return row?.n ?? 0;
}

async function until(condition: () => Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Never saw: ${what}`);
}

async function rejectionOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe.skipIf(unavailable)('PostgreSQL statements per kind of work', () => {
  it("stops a request's statement at the requests' timeout with UNAVAILABLE", async () => {
    const { sleep } = await setup({ requestMs: 200, jobMs: 60_000 });

    const error = await rejectionOf(runAsWork({ kind: 'request' }, () => sleep(5)));

    expect(cancellationErrorOf(error)).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'timeout' } });
  });

  it("lets a job's statement run past the requests' timeout, on the same connections", async () => {
    const { db, sleep } = await setup({ requestMs: 200, jobMs: 60_000 });
    // Every connection of the pool has served a request first.
    await Promise.all([1, 2, 3].map(() => runAsWork({ kind: 'request' }, () => db.ping())));

    await expect(runAsWork({ kind: 'job' }, () => sleep(0.5))).resolves.toBeDefined();
    const afterwards = await rejectionOf(runAsWork({ kind: 'request' }, () => sleep(5)));
    expect(cancellationErrorOf(afterwards)).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('treats work outside any scope (start-up, migrations) like a job', async () => {
    const { sleep } = await setup({ requestMs: 200, jobMs: 60_000 });

    await expect(sleep(0.5)).resolves.toBeDefined();
  });

  it('cancels the running statement when the client of the request goes away', async () => {
    const { sleep, watcher } = await setup({ requestMs: 60_000, jobMs: 60_000 });
    const client = new AbortController();

    const request = rejectionOf(runAsWork({ kind: 'request', signal: client.signal }, () => sleep(600)));
    await until(async () => (await sleepers(watcher)) === 1, 'the statement running');
    client.abort();

    await until(async () => (await sleepers(watcher)) === 0, 'the statement cancelled');
    expect(cancellationErrorOf(await request)).toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'abandoned' },
    });
  });

  it('refuses to start statements for a request whose client has gone', async () => {
    const { realmDb } = await setup({ requestMs: 60_000, jobMs: 60_000 });
    const client = new AbortController();
    client.abort();

    const error = await rejectionOf(
      runAsWork({ kind: 'request', signal: client.signal }, () => realmDb.transaction(async () => 1)),
    );

    expect(cancellationErrorOf(error)).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('closes at once, cancelling what still runs, instead of waiting for it', async () => {
    const { db, sleep, watcher } = await setup({ requestMs: 600_000, jobMs: 600_000 });
    const job = rejectionOf(runAsWork({ kind: 'job' }, () => sleep(600)));
    await until(async () => (await sleepers(watcher)) === 1, 'the statement running');

    await db.close();

    expect(await sleepers(watcher)).toBe(0);
    expect(cancellationErrorOf(await job)).toMatchObject({ code: 'UNAVAILABLE' });
  });
});
