import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import {
  createTestDatabase,
  postgresUnavailableReason,
  type TestDatabase,
} from '../testing/test-database.ts';
import { BackupFormatError } from './backup-format.ts';
import { BackupMigrationMismatchError, BackupTargetNotEmptyError, restoreBackup } from './restore-backup.ts';
import { memorySink, seedVariedRows, streamOf, tableDigests } from './testing/backup-fixtures.ts';
import { writeBackup } from './write-backup.ts';

/** Ids that sort in the order they were written: `load-000042`. */
const loadId = (n: number) => `load-${String(n).padStart(6, '0')}`;
/** The rows of the writer's first `k` transactions, and every row it did not write. */
const upTo = (k: number) => `id NOT LIKE 'load-%' OR substring(id from 6 for 6)::int <= ${k}`;

/**
 * Writes one transaction after the other, each a user and two audit entries about it: a backup
 * holds all three rows of a transaction or none, and the transactions it holds are the first k.
 */
function startWriter(database: PlatformDatabase, realmId: string) {
  let committed = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const id = loadId(committed + 1);
      await database.withSystemConnection((connection) =>
        connection.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO "User" (id, email, "passwordHash", "updatedAt") VALUES ($1, $1 || '@load.test', 'x', now())`,
            [id],
          );
          await tx.query(
            `INSERT INTO "AuditLog" (id, "realmId", "actorType", action, "entityType", "entityId")
             VALUES ($1 || '-a', $2, 'system', 'load', 'User', $1), ($1 || '-b', $2, 'system', 'load', 'User', $1)`,
            [id, realmId],
          );
        }),
      );
      committed += 1;
      // The embedded database in memory answers without I/O: let timers and the backup run too.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    committed: () => committed,
    async stop() {
      stopped = true;
      await running;
      return committed;
    },
  };
}

/** A sink that, at the backup's first bytes, waits until the writer has committed `more` times. */
function sinkWaitingFor(writer: { committed(): number }, more: number) {
  const sink = memorySink();
  let seen: number | undefined;
  const stream = new Writable({
    write(chunk: Buffer, encoding, callback) {
      if (seen !== undefined) return sink.stream.write(chunk, encoding, callback);
      seen = writer.committed();
      vi.waitFor(() => expect(writer.committed()).toBeGreaterThanOrEqual((seen ?? 0) + more), {
        timeout: 20_000,
        interval: 20,
      }).then(() => sink.stream.write(chunk, encoding, callback), callback);
    },
  });
  return { stream, bytes: sink.bytes, committedAtFirstBytes: () => seen };
}

async function backupOf(database: PlatformDatabase): Promise<Buffer> {
  const sink = memorySink();
  await writeBackup(database, sink.stream);
  return sink.bytes();
}

/** The source every test restores from: varied rows and a few thousand audit entries. */
async function seededSource(database: PlatformDatabase): Promise<string> {
  await seedVariedRows(database);
  const realm = await database.systemPrisma.realm.findUniqueOrThrow({ where: { slug: 'acme' } });
  await database.withSystemConnection((connection) =>
    connection.query(
      `INSERT INTO "AuditLog" (id, "realmId", "actorType", action, "entityType", after)
       SELECT 'bulk-' || i, $1, 'system', 'bulk', 'Nhi', jsonb_build_object('index', i) FROM generate_series(1, 3000) i`,
      [realm.id],
    ),
  );
  return realm.id;
}

describeEachDatabase('backup and restore', (kind, newDatabase) => {
  let source: TestDatabase;
  let realmId: string;
  /** A backup of the source before any test wrote to it, and the source's digests then. */
  let bytes: Buffer;
  let digests: Awaited<ReturnType<typeof tableDigests>>;
  beforeAll(async () => {
    if (kind === 'postgres' && (await postgresUnavailableReason())) return;
    source = await createTestDatabase(kind);
    realmId = await seededSource(source);
    bytes = await backupOf(source);
    digests = await tableDigests(source);
  });
  afterAll(() => source?.close());

  it('restores a backup taken under write load to the source as it was at the backup, table by table', async () => {
    const writer = startWriter(source, realmId);
    await vi.waitFor(() => expect(writer.committed()).toBeGreaterThanOrEqual(5), { timeout: 20_000 });
    const before = writer.committed();
    // PostgreSQL: transactions commit while the backup reads. The embedded database has one
    // session, which the backup holds: the writer waits for it instead.
    const sink = kind === 'postgres' ? sinkWaitingFor(writer, 5) : memorySink();
    const summary = await writeBackup(source, sink.stream, { batchRows: 100 });
    const total = await writer.stop();

    const target = await newDatabase();
    const restored = await restoreBackup(target, streamOf(sink.bytes()));
    expect(restored.rows).toEqual(summary.rows);
    const loaded = await target.systemPrisma.user.findMany({
      where: { id: { startsWith: 'load-' } },
      select: { id: true },
    });
    const k = loaded.length;
    expect(k).toBeGreaterThanOrEqual(before);
    expect(loaded.map((user) => user.id).sort()).toEqual(Array.from({ length: k }, (_, i) => loadId(i + 1)));
    expect(await target.systemPrisma.auditLog.count({ where: { action: 'load' } })).toBe(2 * k);
    if (kind === 'postgres') expect(k).toBeLessThan(total);
    expect(await tableDigests(target)).toEqual(
      await tableDigests(source, { User: upTo(k), AuditLog: upTo(k) }),
    );
    expect(summary.header).toMatchObject({ product: 'NHI Hub', database: kind, version: 1 });
    expect(summary.header.migrations.length).toBeGreaterThan(30);
  });

  it('restores into an empty database only unless forced, and nothing from a damaged file', async () => {
    const target = await newDatabase();
    const empty = await tableDigests(target);
    await expect(restoreBackup(target, streamOf(bytes.subarray(0, bytes.length - 40)))).rejects.toThrow(
      /cut short|cannot be read/,
    );
    await expect(restoreBackup(target, streamOf(Buffer.from('not gzip at all')))).rejects.toThrow(
      BackupFormatError,
    );
    expect(await tableDigests(target)).toEqual(empty);

    await restoreBackup(target, streamOf(bytes));
    expect(await tableDigests(target)).toEqual(digests);
    await target.systemPrisma.realm.create({ data: { slug: 'other', name: 'Other' } });
    const changed = await tableDigests(target);
    await expect(restoreBackup(target, streamOf(bytes))).rejects.toThrow(BackupTargetNotEmptyError);
    await expect(restoreBackup(target, streamOf(bytes))).rejects.toThrow(/not empty .*--force/);
    expect(await tableDigests(target)).toEqual(changed);

    await restoreBackup(target, streamOf(bytes), { force: true });
    expect(await tableDigests(target)).toEqual(digests);
  });

  it('refuses a database at another migration state, naming both', async () => {
    const unmigrated = await newDatabase({ migrated: false });
    await expect(restoreBackup(unmigrated, streamOf(bytes))).rejects.toThrow(BackupMigrationMismatchError);
    await expect(restoreBackup(unmigrated, streamOf(bytes))).rejects.toThrow(
      /another migration state \(\d+ migrations, last \d+_\w+\) than this database's \(no migrations\): run `nhi db migrate`/,
    );
    // The same database as one a later version of the hub migrated further.
    await unmigrated.withSystemConnection(async (connection) => {
      await connection.exec(
        `CREATE TABLE "_prisma_migrations" (id text, migration_name text, started_at timestamptz,
           finished_at timestamptz, rolled_back_at timestamptz)`,
      );
      for (const name of [...backupHeaderOf(bytes).migrations, '29991231000000_later'])
        await connection.query(
          `INSERT INTO "_prisma_migrations" VALUES (gen_random_uuid()::text, $1, clock_timestamp(), now(), NULL)`,
          [name],
        );
    });
    await expect(restoreBackup(unmigrated, streamOf(bytes))).rejects.toThrow(
      /migrated further than the backup/,
    );
  });

  if (kind === 'postgres')
    it('restores a backup of the embedded database into PostgreSQL and back', async () => {
      const embedded = await createTestDatabase('pglite');
      try {
        await seedVariedRows(embedded);
        const expected = await tableDigests(embedded);
        const postgres = await newDatabase();
        await restoreBackup(postgres, streamOf(await backupOf(embedded)));
        expect(await tableDigests(postgres)).toEqual(expected);

        await restoreBackup(embedded, streamOf(await backupOf(postgres)), { force: true });
        expect(await tableDigests(embedded)).toEqual(expected);
      } finally {
        await embedded.close();
      }
    });
});

function backupHeaderOf(backup: Buffer) {
  const [first] = gunzipSync(backup).toString('utf8').split('\n', 1);
  return JSON.parse(first ?? '{}') as { migrations: string[] };
}
