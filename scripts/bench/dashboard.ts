// Dashboard benchmark on PostgreSQL: seeds one realm with 100k identities (credential summaries,
// owners, environments, providers), 20k alerts with their history, the risk scores they give,
// scans, leaks and 30 daily snapshots, plus a smaller second realm; then reports p50/p95 of
// DashboardService.overview (the dashboard's data call, through a request scope) for the whole
// realm and for page filters, and the time of one daily snapshot. Each filter is measured twice:
// "rebuilt", every call counting anew (as after any change in the realm: the overview cache is
// emptied before each call), and "unchanged", calls while the realm's data stays put (the change
// check, then the overview built by an earlier call).
// Works in a fresh database nhi_bench_dashboard_<timestamp>, dropped at the end.
//
// Usage: pnpm bench:dashboard [identities=100000] [alerts=20000] [runs=40] [--no-teams]
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
//        NHI_BENCH_KEEP_DATABASE=true keeps the seeded database (to EXPLAIN the queries) and prints its name.
import { randomUUID } from 'node:crypto';
import type { DashboardFilterInput } from '../../packages/dashboard/src/api/dashboard.schema.ts';
import type { TrendDays } from '../../packages/dashboard/src/api/dashboard-view.ts';
import {
  DashboardOverviewCache,
  DashboardService,
  DashboardSnapshots,
} from '../../packages/dashboard/src/index.ts';
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
  type RequestPermissions,
  realmDbProvider,
} from '../../packages/platform/src/index.ts';
import { scopedMemberPermissions, seedTeamTree } from './team-scope.ts';

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const identities = Number(positional[0] ?? 100_000);
const alerts = Number(positional[1] ?? 20_000);
const runs = Number(positional[2] ?? 40);
/** --no-teams: no team tree and no scoped member, the realm as earlier runs measured it. */
const withTeams = !process.argv.includes('--no-teams');
const keepDatabase = process.env.NHI_BENCH_KEEP_DATABASE === 'true';
const warmup = 5;
const target = 100;
const now = new Date();

const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_dashboard_${Date.now()}`;
const benchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

/**
 * Set-based synthetic data straight in SQL (as the table owner: seeding is not what is measured).
 * Deterministic through setseed, so runs compare.
 */
const seedSql = (realmId: string, count: number, alertCount: number, owners: string[]) => `
SELECT setseed(0.20261122);
INSERT INTO "Nhi" (id, "realmId", kind, provider, "externalId", name, "ownerUserId", environment, status,
  "oldestActiveCredentialAt", "nextCredentialExpiresAt", "activeCredentialCount", "updatedAt", "deletedAt",
  "firstSeenAt")
SELECT gen_random_uuid(), '${realmId}',
  (enum_range(NULL::"NhiKind"))[1 + (i % 12)],
  (ARRAY['aws','aws','aws','gcp','azure','github','github','kubernetes','kubernetes','slack','okta','other']::"NhiProvider"[])[1 + (i * 7 % 12)],
  'bench/' || i, 'svc-' || i,
  CASE WHEN random() < 0.15 THEN NULL ELSE (ARRAY[${owners.map((id) => `'${id}'`).join(',')}])[1 + (i % ${owners.length})] END,
  (ARRAY['production','production','staging','development','unknown']::"NhiEnvironment"[])[1 + (i * 3 % 5)],
  (ARRAY['active','active','active','active','active','active','disabled','decommissioned']::"NhiStatus"[])[1 + (i * 5 % 8)],
  CASE WHEN random() < 0.1 THEN NULL ELSE now() - (random() * 1100 || ' days')::interval END,
  CASE WHEN random() < 0.5 THEN NULL ELSE now() + ((random() * 400 - 30) || ' days')::interval END,
  1, now(), CASE WHEN random() < 0.02 THEN now() ELSE NULL END,
  -- First seen over the last 120 days: a 90-day trend estimates the days before the snapshots.
  now() - ((i % 120) || ' days')::interval
FROM generate_series(1, ${count}) AS i;

INSERT INTO "Alert" (id, "realmId", fingerprint, "ruleId", "owaspId", severity, state, "nhiId", subject,
  "firstSeenAt", "lastSeenAt", "stateChangedAt")
SELECT gen_random_uuid(), '${realmId}', 'bench-' || a.i, 'rule-' || (a.i % 14),
  'NHI' || (1 + a.i % 10),
  (ARRAY['low','medium','medium','high','high','critical']::"AlertSeverity"[])[1 + (a.i % 6)],
  (ARRAY['open','open','open','open','acknowledged','resolved','suppressed']::"AlertState"[])[1 + (a.i * 3 % 7)],
  n.id, 'nhi:' || n.id, now() - interval '20 days', now(), now() - ((a.i % 30) || ' days')::interval
FROM generate_series(1, ${alertCount}) AS a(i)
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM "Nhi" WHERE "realmId" = '${realmId}') AS n
  ON n.rn = 1 + (a.i::bigint * 7919) % ${count};

INSERT INTO "AlertEvent" (id, "realmId", "alertId", "fromState", "toState", "actorType", "createdAt")
SELECT gen_random_uuid(), "realmId", id, NULL, state, 'system', "stateChangedAt" FROM "Alert" WHERE "realmId" = '${realmId}';

INSERT INTO "NhiRiskScore" ("realmId", "nhiId", score, level, factors, "computedAt")
SELECT '${realmId}', "nhiId", least(100, sum(p))::int,
  (CASE WHEN sum(p) >= 70 THEN 'critical' WHEN sum(p) >= 40 THEN 'high' WHEN sum(p) >= 20 THEN 'medium' ELSE 'low' END)::"AlertSeverity",
  jsonb_agg(jsonb_build_object('ruleId', "ruleId", 'owaspId', "owaspId", 'severity', severity, 'points', p) ORDER BY p DESC),
  now()
FROM (SELECT "nhiId", "ruleId", "owaspId", severity,
  CASE severity WHEN 'critical' THEN 40 WHEN 'high' THEN 20 WHEN 'medium' THEN 10 ELSE 5 END AS p
  FROM "Alert" WHERE "realmId" = '${realmId}' AND state IN ('open', 'acknowledged')) AS x
GROUP BY "nhiId";

INSERT INTO "Source" (id, "realmId", type, name, environment, "updatedAt")
VALUES ('${realmId}-src', '${realmId}', 'aws_iam', 'prod account', 'production', now());
INSERT INTO "Scan" (id, "realmId", "sourceId", input, state, "newCount", "triggeredByType", "createdAt")
SELECT gen_random_uuid(), '${realmId}', '${realmId}-src', 'aws.credential_report', 'succeeded', i, 'system',
  now() - (i || ' hours')::interval FROM generate_series(1, 200) AS i;
INSERT INTO "Leak" (id, "realmId", "sourceId", "scanId", rule, file, "maskedMatch", fingerprint, "locationKey")
SELECT gen_random_uuid(), '${realmId}', '${realmId}-src', 'scan', 'aws-access-token', 'f' || i, 'AKIA…', 'fp' || i, 'loc' || i
FROM generate_series(1, 300) AS i;
INSERT INTO "DashboardSnapshot" ("realmId", day, "openAlerts", "riskScore", figures, "takenAt")
SELECT '${realmId}', current_date - d, 1000 + d, 20 + d / 10.0, '{}'::jsonb, now() FROM generate_series(1, 30) AS d;
`;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function measure(fn: () => Promise<unknown>, before: () => void = () => {}) {
  for (let i = 0; i < warmup; i++) {
    before();
    await fn();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function seed(db: PlatformDatabase) {
  const prisma = db.systemPrisma;
  const realm = await prisma.realm.create({
    data: { slug: 'bench', name: 'Bench' },
    select: { id: true, slug: true },
  });
  const other = await prisma.realm.create({
    data: { slug: 'other', name: 'Other' },
    select: { id: true, slug: true },
  });
  const owners: { id: string; email: string }[] = [];
  for (let i = 0; i < 25; i++) {
    const user = await prisma.user.create({
      data: { email: `owner${i}@example.com`, passwordHash: 'not-a-login' },
      select: { id: true, email: true },
    });
    await prisma.realmMembership.create({ data: { realmId: realm.id, userId: user.id, role: 'editor' } });
    owners.push(user);
  }
  const started = performance.now();
  await db.withSystemConnection(async (c) => {
    await c.exec(
      seedSql(
        realm.id,
        identities,
        alerts,
        owners.map((o) => o.id),
      ),
    );
    await c.exec(
      seedSql(
        other.id,
        Math.round(identities / 10),
        Math.round(alerts / 10),
        owners.map((o) => o.id),
      ),
    );
    await c.query('VACUUM ANALYZE');
  });
  console.log(
    `Seeded ${identities} identities and ${alerts} alerts (plus a realm a tenth that size) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return { realm, owner: owners[0] as { id: string; email: string } };
}

const fmt = (ms: number) => ms.toFixed(1).padStart(6);

async function main() {
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: IN_MEMORY, maxConnections: 1 });
  await admin.withSystemConnection(async (c) => {
    await c.query(`CREATE DATABASE "${databaseName}"`);
  });
  let db: PlatformDatabase | undefined;
  let failed = false;
  try {
    db = await openDatabase({ databaseUrl: benchUrl, dataDir: IN_MEMORY, maxConnections: 6 });
    await applyMigrations(db);
    const { realm, owner } = await seed(db);
    const root = createRootContainer();
    root.register(PLATFORM_DATABASE, { useValue: db });
    root.register(CLOCK, { useValue: { now: () => now } });
    // A member scoped to a team whose subtree owns 10% of the identities, under 10,000 groups.
    const tree = withTeams ? await seedTeamTree(db, realm.id) : undefined;
    await db.withSystemConnection((c) => c.query('VACUUM ANALYZE'));
    const scoped =
      tree && scopedMemberPermissions(tree, ['dashboard:read', 'nhi:read', 'alert:read', 'leak:read']);
    const overview = (
      filter: DashboardFilterInput,
      trendDays?: TrendDays,
      permissions?: RequestPermissions,
    ) => {
      const container = createRequestContainer(root, {
        requestId: randomUUID(),
        realm,
        principal: { kind: 'user', userId: owner.id, email: owner.email, sessionId: '' },
        clock: { now: () => now },
      });
      container.register(REALM_DB, realmDbProvider);
      if (permissions) container.register(REQUEST_PERMISSIONS, { useValue: permissions });
      return container.resolve(DashboardService).overview(filter, { trendDays });
    };
    // The 90-day trend reaches 60 days before the 30 snapshots: those are estimated (backfill).
    const scenarios: [string, DashboardFilterInput, TrendDays?, RequestPermissions?][] = [
      ['whole realm', {}],
      ['whole realm, 90-day trend', {}, 90],
      ['environment production', { environment: ['production'] }],
      ['provider aws + github, staging', { provider: ['aws', 'github'], environment: ['staging'] }],
    ];
    if (scoped) {
      scenarios.push(
        ['scoped member (10% of identities)', {}, undefined, scoped],
        ['scoped member, production', { environment: ['production'] }, undefined, scoped],
      );
    }
    const cache = root.resolve(DashboardOverviewCache);
    console.log(`dashboard.overview (DashboardService), ${runs} runs each after ${warmup} warm-up, ms\n`);
    console.log(
      `${'filter'.padEnd(32)} ${'data'.padEnd(9)} ${'NHIs'.padStart(7)} ${'open alerts'.padStart(11)} ${'p50'.padStart(6)} ${'p95'.padStart(6)}  target p95 < ${target}`,
    );
    if (tree) {
      console.log(
        `(the scoped member's team subtree: ${tree.teamGroupIds.length} of ${tree.groups} groups, ${tree.teamIdentities} live identities)\n`,
      );
    }
    for (const [name, filter, trendDays, permissions] of scenarios) {
      cache.clear();
      const first = await overview(filter, trendDays, permissions);
      const open = Object.values(first.figures.openAlerts).reduce((sum, n) => sum + n, 0);
      for (const [data, before] of [
        ['rebuilt', () => cache.clear()],
        ['unchanged', () => {}],
      ] as const) {
        const { p50, p95 } = await measure(() => overview(filter, trendDays, permissions), before);
        const ok = p95 < target;
        failed ||= !ok;
        console.log(
          `${name.padEnd(32)} ${data.padEnd(9)} ${String(first.figures.nhiTotal).padStart(7)} ${String(open).padStart(11)} ${fmt(p50)} ${fmt(p95)}  ${ok ? 'met' : 'MISSED'}`,
        );
      }
    }
    const snapshots = root.resolve(DashboardSnapshots);
    const started = performance.now();
    await snapshots.take(realm.id);
    console.log(`\nOne daily snapshot of the realm: ${(performance.now() - started).toFixed(1)} ms`);
  } finally {
    await db?.close();
    if (keepDatabase) console.log(`Kept the database ${databaseName}`);
    else
      await admin.withSystemConnection((c) =>
        c.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`),
      );
    await admin.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
