import { PassThrough, Writable } from 'node:stream';
import type { PlatformDatabase } from '../../database/platform-database.ts';
import { quoteIdentifier, schemaTables } from '../backup-format.ts';

/** Rows of every kind of value a table holds: arrays, enums, jsonb, float, date, bytea, a group tree. */
export async function seedVariedRows(database: PlatformDatabase): Promise<void> {
  const prisma = database.systemPrisma;
  // The realm's insert trigger creates its built-in policies, groups and assignments.
  const realm = await prisma.realm.create({ data: { slug: 'acme', name: 'Acme "quoted" — ünïcode' } });
  const user = await prisma.user.create({
    data: { email: 'ana@acme.test', passwordHash: 'argon2-hash', displayName: 'Ana\nnew line' },
  });
  await prisma.realmMembership.create({ data: { realmId: realm.id, userId: user.id, role: 'admin' } });
  const admins = await prisma.policyGroup.findFirstOrThrow({
    where: { realmId: realm.id, builtInRole: 'admin' },
  });
  // A child before its parent in no particular order: the self-reference must restore.
  await prisma.policyGroup.create({ data: { realmId: realm.id, parentId: admins.id, name: 'Child' } });
  await prisma.alertChannel.create({
    data: {
      realmId: realm.id,
      type: 'webhook',
      name: 'hook',
      settings: { url: 'https://example.test/x', nested: { list: [1, 2.5, null, 'tab\tand\nline'] } },
      encryptedSecret: 'v1:ciphertext-stays-as-it-is',
      severities: ['high', 'critical'],
      ruleIds: ['nhi1.a', 'with,comma', 'with "quote"'],
      environments: ['production'],
    },
  });
  await prisma.dashboardSnapshot.create({
    data: {
      realmId: realm.id,
      day: new Date('2026-12-01T00:00:00Z'),
      openAlerts: 3,
      riskScore: 0.1 + 0.2,
      figures: {},
      cells: [],
      takenAt: new Date('2026-12-01T12:34:56.789Z'),
    },
  });
  const source = await prisma.source.create({ data: { realmId: realm.id, type: 'secrets', name: 'repos' } });
  await prisma.scan.create({
    data: {
      realmId: realm.id,
      sourceId: source.id,
      input: 'upload',
      triggeredByType: 'user',
      uploadEncrypted: Buffer.from([0, 1, 2, 254, 255, 92, 120]),
    },
  });
}

export interface TableDigest {
  rows: number;
  md5: string;
}

/**
 * Each table's row count and a hash of its rows (sorted), as the database renders them: equal
 * digests, equal contents. `only` narrows a table to the rows a WHERE clause keeps.
 */
export async function tableDigests(
  database: PlatformDatabase,
  only: Record<string, string> = {},
): Promise<Record<string, TableDigest>> {
  return database.withSystemConnection(async (connection) => {
    const digests: Record<string, TableDigest> = {};
    for (const table of await schemaTables(connection)) {
      const [digest] = await connection.query<{ rows: number; md5: string }>(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE "C"), '')) AS md5
         FROM (SELECT row_to_json(t)::text AS r FROM ${quoteIdentifier(table)} t WHERE ${only[table] ?? 'true'}) s`,
      );
      if (digest) digests[table] = digest;
    }
    return digests;
  });
}

/** Collects what a backup writes, for restoring it again. */
export function memorySink(): { stream: Writable; bytes(): Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

export function streamOf(bytes: Buffer): PassThrough {
  const stream = new PassThrough();
  stream.end(bytes);
  return stream;
}
