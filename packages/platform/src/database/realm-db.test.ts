import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import type { TestDatabase } from '../testing/test-database.ts';
import { CrossRealmAccessError } from './database-errors.ts';
import { RealmDb } from './realm-db.ts';
import { sql } from './sql-fragments.ts';

/** Two realms, each with a member, an API token and an audit row, written by system code. */
async function seedTwoRealms(db: TestDatabase) {
  const prisma = db.systemPrisma;
  const alpha = await prisma.realm.create({ data: { slug: 'alpha', name: 'Alpha' }, select: { id: true } });
  const beta = await prisma.realm.create({ data: { slug: 'beta', name: 'Beta' }, select: { id: true } });
  const ann = await prisma.user.create({
    data: { email: 'ann@alpha.test', passwordHash: 'x' },
    select: { id: true },
  });
  const bob = await prisma.user.create({
    data: { email: 'bob@beta.test', passwordHash: 'x' },
    select: { id: true },
  });
  await prisma.realmMembership.createMany({
    data: [
      { realmId: alpha.id, userId: ann.id, role: 'admin' },
      { realmId: beta.id, userId: bob.id, role: 'admin' },
    ],
  });
  const tokenOf = (realmId: string, userId: string, name: string) =>
    prisma.apiToken.create({
      data: { realmId, userId, name, prefix: name, tokenHash: `hash-${name}`, permissions: [] },
      select: { id: true },
    });
  const alphaToken = await tokenOf(alpha.id, ann.id, 'alpha-token');
  const betaToken = await tokenOf(beta.id, bob.id, 'beta-token');
  await prisma.auditLog.createMany({
    data: [
      { realmId: alpha.id, actorType: 'system', action: 'seed', entityType: 'Realm' },
      { realmId: beta.id, actorType: 'system', action: 'seed', entityType: 'Realm' },
    ],
  });
  return { alpha, beta, ann, bob, alphaToken, betaToken };
}

describeEachDatabase('RealmDb', (_kind, newDatabase) => {
  async function setup() {
    const db = await newDatabase();
    const seeded = await seedTwoRealms(db);
    return { db, ...seeded, alphaDb: new RealmDb(db, seeded.alpha.id) };
  }

  it('confines a raw query that forgets the realm filter to its realm (row-level security)', async () => {
    const { alphaDb, alpha } = await setup();

    const rows = await alphaDb.transaction(async (tx) => ({
      tokens: await tx.$queryRaw<{ name: string }[]>`SELECT name FROM "ApiToken" ORDER BY name`,
      audit: await tx.$queryRaw<{ realmId: string }[]>`SELECT "realmId" FROM "AuditLog"`,
      members: await tx.$queryRaw<{ realmId: string }[]>`SELECT "realmId" FROM "RealmMembership"`,
      realms: await tx.$queryRaw<{ slug: string }[]>`SELECT slug FROM "Realm"`,
      users: await tx.$queryRaw<{ email: string }[]>`SELECT email FROM "User"`,
    }));

    expect(rows).toEqual({
      tokens: [{ name: 'alpha-token' }],
      audit: [{ realmId: alpha.id }],
      members: [{ realmId: alpha.id }],
      realms: [{ slug: 'alpha' }],
      users: [{ email: 'ann@alpha.test' }],
    });
  });

  it('confines hand-written reads outside the ORM to its realm and reads timestamps as the ORM does', async () => {
    const { alphaDb, db, alphaToken } = await setup();

    const rows = await alphaDb.read(async (query) => ({
      tokens: await query<{ id: string; name: string; createdAt: Date }>(
        sql`SELECT id, name, "createdAt" FROM "ApiToken" ORDER BY name`,
      ),
      users: await query<{ email: string }>(sql`SELECT email FROM "User"`),
    }));

    const stored = await db.systemPrisma.apiToken.findUniqueOrThrow({
      where: { id: alphaToken.id },
      select: { createdAt: true },
    });
    expect(rows).toEqual({
      tokens: [{ id: alphaToken.id, name: 'alpha-token', createdAt: stored.createdAt }],
      users: [{ email: 'ann@alpha.test' }],
    });
  });

  it('refuses to write through a hand-written read', async () => {
    const { alphaDb } = await setup();

    await expect(alphaDb.read((query) => query(sql`UPDATE "ApiToken" SET name = 'renamed'`))).rejects.toThrow(
      /read-only transaction/,
    );
    const names = await alphaDb.read((query) => query<{ name: string }>(sql`SELECT name FROM "ApiToken"`));
    expect(names).toEqual([{ name: 'alpha-token' }]);
  });

  it('runs a read without parallel workers when asked, for that read only', async () => {
    const { alphaDb } = await setup();
    const workers = (options?: { parallelWorkers?: boolean }) =>
      alphaDb.read(
        (query) =>
          query<{ workers: string }>(
            sql`SELECT current_setting('max_parallel_workers_per_gather') AS workers`,
          ),
        options,
      );

    const usual = await workers();
    expect(await workers({ parallelWorkers: false })).toEqual([{ workers: '0' }]);
    expect(await workers()).toEqual(usual);
  });

  it('reads only its realm through the scoped client', async () => {
    const { alphaDb, alpha } = await setup();

    const result = await alphaDb.transaction(async (tx) => ({
      tokens: await tx.apiToken.findMany({ select: { name: true } }),
      auditCount: await tx.auditLog.count(),
      realm: await tx.realm.findFirst({ select: { slug: true } }),
      users: await tx.user.findMany({ select: { email: true } }),
      grouped: await tx.auditLog.groupBy({ by: ['realmId'], _count: true }),
    }));

    expect(result).toEqual({
      tokens: [{ name: 'alpha-token' }],
      auditCount: 1,
      realm: { slug: 'alpha' },
      users: [{ email: 'ann@alpha.test' }],
      grouped: [{ realmId: alpha.id, _count: 1 }],
    });
  });

  it('finds nothing when asked for another realm’s row by its id', async () => {
    const { alphaDb, betaToken } = await setup();

    const found = await alphaDb.transaction((tx) =>
      tx.apiToken.findUnique({ where: { id: betaToken.id }, select: { id: true } }),
    );

    expect(found).toBeNull();
  });

  it('refuses a raw insert into another realm with 42501', async () => {
    const { alphaDb, beta } = await setup();

    const insert = alphaDb.transaction(
      (tx) => tx.$executeRaw`INSERT INTO "AuditLog" (id, "realmId", "actorType", action, "entityType")
        VALUES ('x1', ${beta.id}, 'system', 'sneak', 'Realm')`,
    );

    await expect(insert).rejects.toThrow(/42501/);
  });

  it('refuses a create through the scoped client that names another realm', async () => {
    const { db, alphaDb, beta } = await setup();

    const create = alphaDb.transaction((tx) =>
      tx.auditLog.create({
        data: { realmId: beta.id, actorType: 'system', action: 'sneak', entityType: 'Realm' },
      }),
    );

    await expect(create).rejects.toBeInstanceOf(CrossRealmAccessError);
    expect(await db.systemPrisma.auditLog.count({ where: { action: 'sneak' } })).toBe(0);
  });

  it('puts created rows in its realm, whichever input style the caller uses', async () => {
    const { db, alphaDb, alpha, ann } = await setup();

    await alphaDb.transaction(async (tx) => {
      await tx.auditLog.create({ data: { actorType: 'user', action: 'plain', entityType: 'Realm' } });
      await tx.apiToken.create({
        data: {
          user: { connect: { id: ann.id } },
          name: 'n',
          prefix: 'p',
          tokenHash: 'h-rel',
          permissions: [],
        },
      });
      await tx.apiToken.createMany({
        data: [{ userId: ann.id, name: 'm', prefix: 'p', tokenHash: 'h-many', permissions: [] }],
      });
    });

    const created = await db.systemPrisma.apiToken.findMany({
      where: { tokenHash: { in: ['h-rel', 'h-many'] } },
      select: { realmId: true },
    });
    const audit = await db.systemPrisma.auditLog.findFirst({
      where: { action: 'plain' },
      select: { realmId: true },
    });
    expect(created).toEqual([{ realmId: alpha.id }, { realmId: alpha.id }]);
    expect(audit).toEqual({ realmId: alpha.id });
  });

  it('cannot update or delete another realm’s rows', async () => {
    const { db, alphaDb, betaToken } = await setup();

    const updateOne = () =>
      alphaDb.transaction((tx) =>
        tx.apiToken.update({ where: { id: betaToken.id }, data: { name: 'stolen' }, select: { id: true } }),
      );
    const deleteOne = () =>
      alphaDb.transaction((tx) => tx.apiToken.delete({ where: { id: betaToken.id }, select: { id: true } }));
    await expect(updateOne()).rejects.toMatchObject({ code: 'P2025' });
    await expect(deleteOne()).rejects.toMatchObject({ code: 'P2025' });
    const bulk = await alphaDb.transaction(async (tx) => ({
      updated: (await tx.apiToken.updateMany({ where: { id: betaToken.id }, data: { name: 'stolen' } }))
        .count,
      deleted: (await tx.apiToken.deleteMany({ where: { id: betaToken.id } })).count,
      rawUpdated: await tx.$executeRaw`UPDATE "ApiToken" SET name = 'stolen' WHERE id = ${betaToken.id}`,
      rawDeleted: await tx.$executeRaw`DELETE FROM "ApiToken" WHERE id = ${betaToken.id}`,
    }));

    expect(bulk).toEqual({ updated: 0, deleted: 0, rawUpdated: 0, rawDeleted: 0 });
    const token = await db.systemPrisma.apiToken.findUnique({
      where: { id: betaToken.id },
      select: { name: true },
    });
    expect(token).toEqual({ name: 'beta-token' });
  });

  it('refuses filters and updates that name another realm', async () => {
    const { alphaDb, beta, ann, alphaToken } = await setup();

    const attempts = [
      () => alphaDb.transaction((tx) => tx.apiToken.findMany({ where: { realmId: beta.id } })),
      () => alphaDb.transaction((tx) => tx.apiToken.deleteMany({ where: { realmId: { in: [beta.id] } } })),
      () =>
        alphaDb.transaction((tx) =>
          tx.realmMembership.findUnique({ where: { realmId_userId: { realmId: beta.id, userId: ann.id } } }),
        ),
      () =>
        alphaDb.transaction((tx) =>
          tx.apiToken.update({ where: { id: alphaToken.id }, data: { realmId: beta.id } }),
        ),
      () => alphaDb.transaction((tx) => tx.realm.findUnique({ where: { id: beta.id } })),
    ];

    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(CrossRealmAccessError);
  });

  it('moves no row to another realm even through raw SQL', async () => {
    const { alphaDb, beta, alphaToken } = await setup();

    const move = alphaDb.transaction(
      (tx) => tx.$executeRaw`UPDATE "ApiToken" SET "realmId" = ${beta.id} WHERE id = ${alphaToken.id}`,
    );

    await expect(move).rejects.toThrow(/42501/);
  });

  it('keeps global tables out of reach: no password hashes, sessions, keys or writes', async () => {
    const { db, alphaDb, ann } = await setup();
    await db.systemPrisma.session.create({
      data: { userId: ann.id, expiresAt: new Date(Date.now() + 60_000) },
    });
    const untyped = (tx: unknown) => tx as Record<string, { findMany(args?: object): Promise<unknown> }>;

    const user = await alphaDb.transaction((tx) => tx.user.findFirst());
    expect(user).toMatchObject({ email: 'ann@alpha.test' });
    expect(user).not.toHaveProperty('passwordHash');
    await expect(
      alphaDb.transaction((tx) => tx.user.findFirst({ select: { passwordHash: true } })),
    ).rejects.toThrow(/permission denied/);
    await expect(
      alphaDb.transaction((tx) => untyped(tx).session?.findMany() as Promise<unknown>),
    ).rejects.toThrow(/not realm data/);
    await expect(alphaDb.transaction((tx) => tx.$queryRaw`SELECT * FROM "Session"`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(alphaDb.transaction((tx) => tx.$queryRaw`SELECT * FROM "SigningKey"`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      alphaDb.transaction((tx) => tx.$executeRaw`UPDATE "User" SET email = 'x@y.test' WHERE id = ${ann.id}`),
    ).rejects.toThrow(/permission denied/);
  });

  it('keeps the audit log append-only for application code', async () => {
    const { alphaDb } = await setup();

    await expect(
      alphaDb.transaction((tx) => tx.$executeRaw`UPDATE "AuditLog" SET action = 'rewritten'`),
    ).rejects.toThrow(/permission denied/);
    await expect(alphaDb.transaction((tx) => tx.$executeRaw`DELETE FROM "AuditLog"`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it('leaves no realm or role behind on the connection after the transaction', async () => {
    const { db, alphaDb, beta } = await setup();
    await alphaDb.transaction((tx) => tx.apiToken.count());

    const after = await db.systemPrisma.$queryRaw<{ realm: string | null; role: string; tokens: number }[]>`
      SELECT current_setting('app.realm_id', true) AS realm, current_user AS role,
             (SELECT count(*)::int FROM "ApiToken") AS tokens`;
    const betaTokens = await new RealmDb(db, beta.id).transaction((tx) =>
      tx.apiToken.findMany({ select: { name: true } }),
    );

    expect(after[0]?.realm ?? '').toBe('');
    expect(after[0]?.role).not.toBe('nhi_app');
    expect(after[0]?.tokens).toBe(2);
    expect(betaTokens).toEqual([{ name: 'beta-token' }]);
  });

  it('rolls back every write of a transaction that throws', async () => {
    const { db, alphaDb } = await setup();

    const failing = alphaDb.transaction(async (tx) => {
      await tx.auditLog.create({ data: { actorType: 'system', action: 'doomed', entityType: 'Realm' } });
      throw new Error('changed my mind');
    });

    await expect(failing).rejects.toThrow('changed my mind');
    expect(await db.systemPrisma.auditLog.count({ where: { action: 'doomed' } })).toBe(0);
  });
});
