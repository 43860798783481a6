// Alert evaluation benchmark on PostgreSQL: seeds identities with 1-3 credentials each (owners,
// environments, ages, expiries, shared secrets, scanner facts and leaks in realistic shares) into
// one realm, then times a full evaluation of every rule (first pass: all alerts opened; steady
// pass: nothing changes; pass after a day: ageing moves), and the p50/p95 of the incremental
// evaluation of one NHI after a change to it. Works in a fresh database nhi_bench_alerts_<timestamp>,
// dropped at the end.
//
// Usage: pnpm bench:alerts [identities=100000] [runs=100] [--profile] [--keep]
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
//        --profile prints the statements of each full pass and of a few incremental evaluations
//        with their times; --keep keeps the database (its name is printed) for EXPLAIN ANALYZE.
import { randomUUID } from 'node:crypto';
import { AlertEvaluator, AlertService, evaluateInTransaction } from '../../packages/alert/src/index.ts';
import {
  applyMigrations,
  CLOCK,
  createRequestContainer,
  createRootContainer,
  IN_MEMORY,
  openDatabase,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  REALM_DB,
  REQUEST_PERMISSIONS,
  RealmDb,
  type RealmTx,
  type RequestPermissions,
  realmDbProvider,
} from '../../packages/platform/src/index.ts';
import { scopedMemberPermissions, seedTeamTree } from './team-scope.ts';

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
const [identitiesArg, runsArg] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const identities = Number(identitiesArg ?? 100_000);
const runs = Number(runsArg ?? 100);
const profile = flags.has('--profile');
const dayMs = 86_400_000;
let now = new Date();

const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_alerts_${Date.now()}`;
const benchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

let seed = 20_261_122;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
const daysAgo = (days: number) => new Date(now.getTime() - days * dayMs);
const environments = ['production', 'production', 'staging', 'development', 'unknown'] as const;
const factKinds = [
  'aws.admin_policy',
  'aws.privilege_escalation',
  'aws.wildcard_action',
  'aws.trust_open_to_any',
  'aws.trust_external_without_external_id',
  'aws.console_password',
  'k8s.cluster_admin',
  'k8s.legacy_token_secret',
  'k8s.sa_shared_by_workloads',
  'github.app_write_all',
] as const;

async function seedRealm(db: PlatformDatabase, realmId: string, ownerIds: string[], sourceId: string) {
  const realmDb = new RealmDb(db, realmId);
  const batch = 2000;
  let credentials = 0;
  let facts = 0;
  const sharedFingerprints = Array.from({ length: 300 }, () => randomUUID().replace(/-/g, ''));
  for (let start = 0; start < identities; start += batch) {
    const nhis = [];
    const creds = [];
    const scanFacts = [];
    const leaks = [];
    for (let i = start; i < Math.min(identities, start + batch); i++) {
      const id = randomUUID();
      nhis.push({
        id,
        realmId,
        kind: 'service_account',
        provider: 'aws',
        externalId: `arn:aws:iam::123456789012:user/bench-${i}`,
        name: `bench-${i}`,
        ownerUserId: random() < 0.12 ? null : pick(ownerIds),
        environment: pick(environments),
        status: random() < 0.92 ? 'active' : 'disabled',
        tags: [],
        permissions: [],
        metadata: {},
        sourceType: 'bench',
        firstSeenAt: now,
        lastSeenAt: now,
        version: 1,
        activeCredentialCount: 0,
        createdAt: now,
        updatedAt: now,
      });
      const count = 1 + Math.floor(random() * 3);
      for (let c = 0; c < count; c++) {
        const created = daysAgo(random() * 900);
        const fingerprint = random() < 0.01 ? pick(sharedFingerprints) : randomUUID().replace(/-/g, '');
        creds.push({
          id: randomUUID(),
          realmId,
          nhiId: id,
          kind: random() < 0.03 ? 'password' : 'access_key',
          fingerprint,
          hint: 'AKIA…',
          providerCreatedAt: created,
          lastRotatedAt: random() < 0.3 ? daysAgo(random() * 200) : null,
          expiresAt: random() < 0.5 ? daysAgo(-(random() * 400 - 30)) : null,
          lastUsedAt: random() < 0.25 ? null : daysAgo(random() * 200),
          status: random() < 0.85 ? 'active' : pick(['inactive', 'revoked']),
          createdAt: created,
          updatedAt: created,
        });
        if (random() < 0.003)
          leaks.push({
            id: randomUUID(),
            realmId,
            sourceId,
            scanId: 'bench',
            rule: 'aws-access-token',
            file: `src/config-${i}.env`,
            line: 1,
            maskedMatch: 'AKIA…',
            fingerprint,
            locationKey: randomUUID(),
            firstSeenAt: now,
            lastSeenAt: now,
          });
      }
      if (random() < 0.1) {
        const kind = pick(factKinds);
        scanFacts.push({
          id: randomUUID(),
          realmId,
          nhiId: id,
          sourceId,
          kind,
          subject: `${id}|${kind}`,
          evidence: { policy: 'bench' },
          firstSeenAt: now,
          lastSeenAt: now,
        });
      }
    }
    credentials += creds.length;
    facts += scanFacts.length;
    const [n, c, f, l] = [nhis, creds, scanFacts, leaks].map((rows) => JSON.stringify(rows));
    await realmDb.transaction(
      async (tx) => {
        await tx.$executeRaw`INSERT INTO "Nhi" SELECT * FROM jsonb_populate_recordset(NULL::"Nhi", ${n}::jsonb)`;
        await tx.$executeRaw`INSERT INTO "Credential" SELECT * FROM jsonb_populate_recordset(NULL::"Credential", ${c}::jsonb)`;
        await tx.$executeRaw`INSERT INTO "ScanFact" SELECT * FROM jsonb_populate_recordset(NULL::"ScanFact", ${f}::jsonb)`;
        await tx.$executeRaw`INSERT INTO "Leak" SELECT * FROM jsonb_populate_recordset(NULL::"Leak", ${l}::jsonb)`;
      },
      { timeout: 120_000 },
    );
  }
  return { credentials, facts };
}

/** The transaction client with every call timed: label (first words of the SQL, or the model call) and ms. */
function profiled(tx: RealmTx, log: [string, number][]): RealmTx {
  const timedCall =
    (label: (args: unknown[]) => string, fn: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await fn(...args);
      } finally {
        log.push([label(args), performance.now() - started]);
      }
    };
  const sqlLabel = (args: unknown[]) =>
    String((args[0] as { sql?: string }).sql ?? (args[0] as TemplateStringsArray)[0])
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 90);
  return new Proxy(tx, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key === '$executeRaw' || key === '$queryRaw')
        return timedCall(sqlLabel, (value as (...a: unknown[]) => Promise<unknown>).bind(target));
      if (typeof key === 'string' && value && typeof value === 'object' && !key.startsWith('$'))
        return new Proxy(value, {
          get(delegate, operation) {
            const call = Reflect.get(delegate, operation);
            return typeof call === 'function'
              ? timedCall(() => `${key}.${String(operation)}`, call.bind(delegate))
              : call;
          },
        });
      return value;
    },
  });
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, (performance.now() - started) / 1000];
}

async function main() {
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: IN_MEMORY, maxConnections: 1 });
  await admin.withSystemConnection(async (c) => {
    await c.query(`CREATE DATABASE "${databaseName}"`);
    await c.query(`ALTER DATABASE "${databaseName}" SET random_page_cost = 1.1`);
  });
  let db: PlatformDatabase | undefined;
  try {
    db = await openDatabase({ databaseUrl: benchUrl, dataDir: IN_MEMORY, maxConnections: 4 });
    await applyMigrations(db);
    const prisma = db.systemPrisma;
    const realm = await prisma.realm.create({
      data: { slug: 'bench', name: 'Bench' },
      select: { id: true, slug: true },
    });
    const ownerIds: string[] = [];
    for (let i = 0; i < 25; i++) {
      const user = await prisma.user.create({
        data: { email: `owner${i}@example.com`, passwordHash: 'not-a-login' },
        select: { id: true },
      });
      // A fifth of the owners left the realm: their NHIs trip "owner no longer active".
      if (i % 5 !== 0)
        await prisma.realmMembership.create({ data: { realmId: realm.id, userId: user.id, role: 'editor' } });
      ownerIds.push(user.id);
    }
    const source = await prisma.source.create({
      data: { realmId: realm.id, type: 'aws_iam', name: 'bench' },
      select: { id: true },
    });

    console.log(`Seeding ${identities} identities with 1-3 credentials each on PostgreSQL…`);
    const [seeded, seedSeconds] = await timed(() =>
      seedRealm(db as PlatformDatabase, realm.id, ownerIds, source.id),
    );
    await db.withSystemConnection((c) => c.query('VACUUM ANALYZE'));
    console.log(
      `Seeded ${identities} identities, ${seeded.credentials} credentials, ${seeded.facts} scanner facts in ${seedSeconds.toFixed(1)} s\n`,
    );

    const root = createRootContainer();
    root.register(PLATFORM_DATABASE, { useValue: db });
    root.register(CLOCK, { useValue: { now: () => now } });
    const evaluator = root.resolve(AlertEvaluator);
    const realmDb = new RealmDb(db, realm.id);
    // With --profile, a full pass runs the evaluator's code through a timed transaction client.
    const fullPass = async () => {
      if (!profile) return evaluator.evaluateRealm(realm.id);
      const log: [string, number][] = [];
      const result = await realmDb.transaction(
        (tx) => evaluateInTransaction(profiled(tx, log), realm.id, now, { all: true }),
        { timeout: 300_000 },
      );
      for (const [label, ms] of log) console.log(`  ${ms.toFixed(0).padStart(8)} ms  ${label}`);
      return result;
    };

    const [first, firstSeconds] = await timed(fullPass);
    console.log(
      `Full evaluation, first pass:  ${firstSeconds.toFixed(2)} s  (${first.findings} findings, ${first.opened} alerts opened)`,
    );
    await db.withSystemConnection((c) => c.query('ANALYZE'));
    const [steady, steadySeconds] = await timed(fullPass);
    console.log(
      `Full evaluation, steady pass: ${steadySeconds.toFixed(2)} s  (${steady.findings} findings, ${steady.opened} opened, ${steady.resolved} resolved)`,
    );
    now = new Date(now.getTime() + dayMs);
    const [later, laterSeconds] = await timed(fullPass);
    console.log(
      `Full evaluation, a day later: ${laterSeconds.toFixed(2)} s  (${later.opened} opened, ${later.reopened} reopened, ${later.resolved} resolved)\n`,
    );

    const sample = await prisma.nhi.findMany({
      where: { realmId: realm.id },
      select: { id: true },
      take: runs + 10,
      skip: Math.floor(identities / 3),
    });
    const times: number[] = [];
    for (const [index, nhi] of sample.entries()) {
      // A change to the NHI (owner removed or given), then its incremental evaluation.
      await realmDb.transaction((tx) =>
        tx.nhi.update({ where: { id: nhi.id }, data: { ownerUserId: index % 2 ? null : ownerIds[1] } }),
      );
      const [, seconds] = await timed(() => evaluator.evaluateNhis(realm.id, [nhi.id]));
      if (index >= 10) times.push(seconds * 1000);
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    console.log(
      `Incremental evaluation of one NHI after a change, ${times.length} runs: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
    );
    if (profile) {
      const target = sample[0]?.id as string;
      for (let round = 0; round < 3; round++) {
        const log: [string, number][] = [];
        const [, seconds] = await timed(() =>
          realmDb.transaction((tx) =>
            evaluateInTransaction(profiled(tx, log), realm.id, now, { all: false, nhiIds: [target] }),
          ),
        );
        console.log(
          `Profile of one incremental evaluation: ${log.length} statements, ${(seconds * 1000).toFixed(1)} ms`,
        );
        for (const [label, ms] of log) console.log(`  ${ms.toFixed(2).padStart(8)} ms  ${label}`);
      }
    }
    const alerts = await prisma.alert.count({ where: { realmId: realm.id } });
    const scored = await prisma.nhiRiskScore.count({ where: { realmId: realm.id } });
    console.log(`Alerts kept: ${alerts}; NHIs with a risk score: ${scored}\n`);
    const queueOk = await measureQueue(db, realm, ownerIds[1] as string);
    const ok = Math.max(firstSeconds, steadySeconds, laterSeconds) < 30 && p95 < 20 && queueOk;
    console.log(
      `Targets (full pass < 30 s, single NHI p95 < 20 ms, scoped queue p95 <= realm-wide): ${ok ? 'met' : 'NOT met'}`,
    );
  } finally {
    await db?.close();
    if (flags.has('--keep')) console.log(`Database kept: ${databaseName}`);
    else
      await admin.withSystemConnection((c) =>
        c.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`),
      );
    await admin.close();
  }
}

/**
 * The alert queue (first page of 50 with its total, open alerts, newest change first) for a
 * realm-wide reader and for a member scoped to a team owning 10% of the identities under a
 * 10,000-group tree, taking turns.
 */
async function measureQueue(db: PlatformDatabase, realm: { id: string; slug: string }, userId: string) {
  const tree = await seedTeamTree(db, realm.id);
  await db.withSystemConnection((c) => c.query('VACUUM ANALYZE'));
  const root = createRootContainer();
  root.register(PLATFORM_DATABASE, { useValue: db });
  const principal = { kind: 'user' as const, userId, email: 'owner1@example.com', sessionId: '' };
  const service = (permissions?: RequestPermissions) => {
    const container = createRequestContainer(root, {
      requestId: randomUUID(),
      realm,
      principal,
      clock: { now: () => now },
    });
    container.register(REALM_DB, realmDbProvider);
    if (permissions) container.register(REQUEST_PERMISSIONS, { useValue: permissions });
    return container.resolve(AlertService);
  };
  const scoped = scopedMemberPermissions(tree, ['alert:read']);
  const input = { states: ['open' as const] };
  const wideFirst = await service().list(input);
  const scopedFirst = await service(scoped).list(input);
  const times = { wide: [] as number[], scoped: [] as number[] };
  for (let i = 0; i < runs + 5; i++) {
    for (const [key, permissions] of [
      ['wide', undefined],
      ['scoped', scoped],
    ] as const) {
      const started = performance.now();
      await service(permissions).list(input);
      if (i >= 5) times[key].push(performance.now() - started);
    }
  }
  const summary = (list: number[]) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p95: percentile(list, 95) };
  };
  const wide = summary(times.wide);
  const mine = summary(times.scoped);
  console.log(
    `Alert queue (open, first page of 50 with total), ${runs} runs each; the team's subtree owns ` +
      `${tree.teamIdentities} identities under ${tree.groups} groups:\n` +
      `  realm-wide: ${wideFirst.total} alerts, p50 ${wide.p50.toFixed(1)} ms, p95 ${wide.p95.toFixed(1)} ms\n` +
      `  scoped:     ${scopedFirst.total} alerts, p50 ${mine.p50.toFixed(1)} ms, p95 ${mine.p95.toFixed(1)} ms\n`,
  );
  return mine.p95 <= wide.p95 * 1.05 || mine.p95 < 5;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
