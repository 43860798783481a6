import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { messages } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_MEMORY, openDatabase } from './open-database.ts';
import { emptyPgliteSnapshot } from './pglite-snapshots.ts';
import { PGliteThread } from './pglite-thread.ts';

const opened: { close(): Promise<void> }[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** From a dump of a fresh database: an initdb per test would take seconds. */
async function setup() {
  const db = await PGliteThread.start({ extensions: ['pg_trgm'], loadDataDir: await emptyPgliteSnapshot() });
  opened.push(db);
  await db.exec('CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, tags text[] NOT NULL)');
  return db;
}

async function dataDirectory() {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'nhi-pglite-thread-'));
  directories.push(directory);
  return directory;
}

describe('PGliteThread', () => {
  it('answers queries with typed values, as an embedded PGlite does', async () => {
    const db = await setup();

    await db.query('INSERT INTO item VALUES ($1, $2, $3)', [1, 'first', ['a', 'b']]);
    const { rows } = await db.query<{ id: number; name: string; tags: string[]; at: Date }>(
      "SELECT id, name, tags, '2024-05-01T10:00:00Z'::timestamptz AS at FROM item",
    );

    expect(rows).toEqual([{ id: 1, name: 'first', tags: ['a', 'b'], at: new Date('2024-05-01T10:00:00Z') }]);
  });

  it('throws PostgreSQL errors with their SQLSTATE, and keeps answering after one', async () => {
    const db = await setup();
    await db.query("INSERT INTO item VALUES (1, 'first', '{}')");

    const failure = await db.query("INSERT INTO item VALUES (1, 'again', '{}')").catch((error) => error);

    expect(failure).toBeInstanceOf(messages.DatabaseError);
    expect(failure).toMatchObject({ code: '23505' });
    expect((await db.query('SELECT count(*)::int AS n FROM item')).rows).toEqual([{ n: 1 }]);
  });

  it('commits a transaction whole and rolls a failed one back whole', async () => {
    const db = await setup();

    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (1, 'kept', '{}')");
      await tx.query("INSERT INTO item VALUES (2, 'kept too', '{}')");
    });
    const failed = db.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (3, 'lost', '{}')");
      await tx.query("INSERT INTO item VALUES (1, 'duplicate', '{}')");
    });

    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect((await db.query('SELECT id FROM item ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('delivers notifications to listeners', async () => {
    const db = await setup();
    const received: string[] = [];
    const unlisten = await db.listen('changes', (payload) => received.push(payload));

    await db.query("SELECT pg_notify('changes', 'one')");
    await unlisten();
    await db.query("SELECT pg_notify('changes', 'two')");
    await new Promise((resolve) => setImmediate(resolve));

    expect(received).toEqual(['one']);
  });

  it('keeps the event loop turning while a statement runs', async () => {
    const db = await setup();
    const order: string[] = [];

    const statement = db.query('SELECT pg_sleep(0.2)').then(() => order.push('statement answered'));
    setTimeout(() => order.push('timer ran'), 0);
    await statement;

    expect(order).toEqual(['timer ran', 'statement answered']);
  });

  it('dumps its data directory, and a new thread starts from the dump', async () => {
    const db = await setup();
    await db.query("INSERT INTO item VALUES (1, 'saved', '{x}')");

    const copy = await PGliteThread.start({ extensions: ['pg_trgm'], loadDataDir: await db.dumpDataDir() });
    opened.push(copy);

    expect((await copy.query('SELECT id, name, tags FROM item')).rows).toEqual([
      { id: 1, name: 'saved', tags: ['x'] },
    ]);
  });

  it('refuses queries once closed', async () => {
    const db = await setup();

    await db.close();

    await expect(db.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});

describe('openDatabase on a data directory', () => {
  it('runs the embedded database in its own thread and keeps what was written across restarts', async () => {
    const dataDir = await dataDirectory();
    const first = await openDatabase({ dataDir });
    await first.systemQuery('create', 'CREATE TABLE note (text text)', []);
    await first.systemQuery('insert', 'INSERT INTO note VALUES ($1)', ['kept']);
    await first.close();

    const second = await openDatabase({ dataDir });
    opened.push(second);

    expect(await second.systemQuery('read', 'SELECT text FROM note', [])).toEqual([{ text: 'kept' }]);
    expect(second.busy?.()).toBe(false);
  });

  it('says it is busy while a transaction runs, and not once it has ended', async () => {
    const db = await openDatabase({
      dataDir: IN_MEMORY,
      pgliteSnapshot: await emptyPgliteSnapshot(),
      pgliteThread: true,
    });
    opened.push(db);
    let finish = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let entered = () => {};
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });

    const work = db.withSystemConnection((connection) =>
      connection.transaction(async () => {
        entered();
        await gate;
      }),
    );
    await started;
    const during = db.busy?.();
    finish();
    await work;

    expect(during).toBe(true);
    expect(db.busy?.()).toBe(false);
  });
});
