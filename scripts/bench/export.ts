// Export benchmark on PostgreSQL: seeds one realm with 100k alerts (about 20k identities with
// teams, tags, regions and risk scores; evidence shaped like the rules write it), then streams them
// to /dev/null in processes of their own, so that the figures are the export's and not the
// seeding's (migrations, the ORM): through the export service alone, as OCSF JSON lines and as CSV,
// and through `nhi export alerts --format ocsf` as an operator runs it; then, when the hub is built,
// through GET /api/export/alerts of the built server (node .output/server/index.mjs) as a download,
// the hub's own resident memory sampled from /proc before and during the download. Reports rows/s,
// MB/s and the resident memory: sampled every 20 ms during the export and the kernel's high-water
// mark (VmHWM, or the maximum resident size for the command). Works in a fresh database
// nhi_bench_export_<timestamp>, dropped at the end. The target: under 200 MB resident.
//
// Usage: pnpm bench:export [alerts=100000] [--keep] [--hub-only] [--hub-node-options="<node flags>"]
//        (pnpm --filter @nhi/hub build first for the hub row; --hub-node-options starts the hub with
//        those flags in NODE_OPTIONS, e.g. a heap limit; --hub-only measures the hub row alone)
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AlertExportFormat, AlertExportService } from '../../packages/alert/src/index.ts';
import {
  applyMigrations,
  createRequestContainer,
  createRootContainer,
  IN_MEMORY,
  loadConfig,
  openDatabase,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  REALM_DB,
  RealmAdminService,
  realmDbProvider,
  startPlatform,
} from '../../packages/platform/src/index.ts';
import { registerPolicy } from '../../packages/policy/src/index.ts';
import { demoRealmToken, startBuiltHub } from './built-hub.ts';

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
/** Set in the child process that measures one export of an existing database. */
const child = process.argv.find((arg) => arg.startsWith('--measure='))?.slice('--measure='.length);
const hubNodeOptions = process.argv
  .find((arg) => arg.startsWith('--hub-node-options='))
  ?.slice('--hub-node-options='.length);
const [alertsArg] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const alerts = Number(alertsArg ?? 100_000);
const identities = Math.max(1, Math.round(alerts / 5));

const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_export_${Date.now()}`;
const benchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

const megabytes = (bytes: number) => bytes / 1024 / 1024;
// The children compile with the project's settings (decorator metadata for the services' injection).
const childEnv = { ...process.env, TSX_TSCONFIG_PATH: path.resolve('tsconfig.base.json') };

/** Identities, their teams, risk scores and alerts, written by the server itself (generate_series). */
async function seed(db: PlatformDatabase, realmId: string): Promise<void> {
  await db.withSystemConnection(async (c) => {
    await c.query(
      `INSERT INTO "PolicyGroup" (id, "realmId", name) SELECT 'team-' || g, $1, 'team ' || g FROM generate_series(1, 20) AS g`,
      [realmId],
    );
    await c.query(
      `INSERT INTO "Nhi" (id, "realmId", kind, provider, "externalId", name, environment, tags, metadata, "ownerGroupId", "updatedAt")
       SELECT 'nhi-' || i, $1, 'service_account', 'aws', 'arn:aws:iam::111122223333:user/svc-' || i, 'svc-' || i,
         (ARRAY['production','staging','development']::"NhiEnvironment"[])[1 + i % 3], ARRAY['app:' || (i % 50), 'cost:' || (i % 7)],
         jsonb_build_object('region', 'eu-west-' || (1 + i % 3)), 'team-' || (1 + i % 20), now()
       FROM generate_series(1, $2::int) AS i`,
      [realmId, identities],
    );
    await c.query(
      `INSERT INTO "NhiRiskScore" ("realmId", "nhiId", score, level, "computedAt")
       SELECT $1, 'nhi-' || i, i % 100, (ARRAY['low','medium','high','critical']::"AlertSeverity"[])[1 + i % 4], now()
       FROM generate_series(1, $2::int) AS i`,
      [realmId, identities],
    );
    await c.query(
      `INSERT INTO "Alert" (id, "realmId", fingerprint, "ruleId", "owaspId", severity, state, "nhiId", subject, evidence,
         "firstSeenAt", "lastSeenAt", "stateChangedAt")
       SELECT gen_random_uuid()::text, $1, 'nhi7.credential_age:' || i, 'nhi7.credential_age', 'NHI7',
         (ARRAY['low','medium','high','critical']::"AlertSeverity"[])[1 + i % 4],
         (ARRAY['open','acknowledged','resolved','suppressed']::"AlertState"[])[1 + i % 4],
         'nhi-' || (1 + i % $2::int), 'cred-' || i,
         jsonb_build_object('hint', 'AKIA…' || lpad((i % 10000)::text, 4, '0'), 'since', now() - interval '200 days',
           'thresholdDays', 90, 'lastUsedAt', now() - interval '3 days'),
         now() - interval '30 days', now() - interval '1 hour', now() - interval '2 days'
       FROM generate_series(1, $3::int) AS i`,
      [realmId, identities, alerts],
    );
    await c.query('VACUUM ANALYZE');
  });
}

/** Resident memory, sampled while `fn` runs. */
async function sampledRss<T>(fn: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await fn();
    return [result, Math.max(peak, process.memoryUsage().rss)];
  } finally {
    clearInterval(timer);
  }
}

/** The export as a download: chunks written to /dev/null, waiting whenever the stream says so. */
async function exportOnce(exporter: AlertExportService, format: AlertExportFormat) {
  const sink = createWriteStream('/dev/null');
  let bytes = 0;
  for await (const chunk of exporter.export({ format }, { version: 'bench' })) {
    bytes += Buffer.byteLength(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  sink.end();
  await once(sink, 'finish');
  return bytes;
}

function highWaterMark(): number {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) * 1024 : Number.NaN;
}

/** In the child: the export service over an open database, nothing else loaded. */
async function measure(db: PlatformDatabase, realm: { id: string; slug: string }) {
  const root = createRootContainer();
  root.register(PLATFORM_DATABASE, { useValue: db });
  const exporter = () => {
    const container = createRequestContainer(root, {
      requestId: randomUUID(),
      realm,
      principal: { kind: 'system', name: 'bench' },
      clock: { now: () => new Date() },
    });
    container.register(REALM_DB, realmDbProvider);
    return container.resolve(AlertExportService);
  };
  console.log(
    `  before the exports (the platform loaded): RSS ${megabytes(process.memoryUsage().rss).toFixed(0)} MB`,
  );
  for (const format of ['ocsf', 'csv'] as const) {
    const started = performance.now();
    const [bytes, peak] = await sampledRss(() => exportOnce(exporter(), format));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `  ${format.padEnd(4)}: ${alerts} alerts in ${seconds.toFixed(2)} s, ${Math.round(alerts / seconds)} rows/s, ` +
        `${megabytes(bytes).toFixed(1)} MB (${(megabytes(bytes) / seconds).toFixed(1)} MB/s), peak RSS ${megabytes(peak).toFixed(0)} MB`,
    );
  }
  console.log(`  VmHWM of the process: ${megabytes(highWaterMark()).toFixed(0)} MB (target: under 200 MB)`);
}

async function measureChild(url: string) {
  const db = await openDatabase({ databaseUrl: url, dataDir: IN_MEMORY, maxConnections: 2 });
  try {
    const realm = await db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'bench' },
      select: { id: true, slug: true },
    });
    await measure(db, realm);
  } finally {
    await db.close();
  }
}

/**
 * This script again, in a process of its own, measuring the export service; `nodeFlags` run it
 * with a capped heap, to tell the memory the export holds from garbage V8 has not collected yet.
 */
function serviceInChild(url: string, nodeFlags: string[] = []): void {
  console.log(
    `Export service, in a process of its own${nodeFlags.length ? ` (node ${nodeFlags.join(' ')})` : ''}:`,
  );
  execFileSync(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', process.argv[1] ?? '', String(alerts), `--measure=${url}`],
    {
      env: childEnv,
      stdio: 'inherit',
    },
  );
}

/** `nhi export alerts --format ocsf` to /dev/null, under /usr/bin/time for its maximum resident size. */
function cliInChild(url: string): void {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nhi-bench-export-'));
  try {
    const started = performance.now();
    const command = ['apps/cli/src/main.ts', 'export', 'alerts', '--format', 'ocsf', '--realm', 'bench'];
    const run = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, '--import', 'tsx', ...command, '--out', '/dev/null'],
      {
        env: { ...childEnv, DATABASE_URL: url, NHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
        encoding: 'utf8',
      },
    );
    if (run.status !== 0) throw new Error(`nhi export failed: ${run.stderr}`);
    const report = run.stderr;
    const seconds = (performance.now() - started) / 1000;
    const maxKb = Number(report.trim().split('\n').at(-1));
    console.log(
      `nhi export alerts --format ocsf --out /dev/null: ${seconds.toFixed(2)} s with start and shutdown ` +
        `(${Math.round(alerts / seconds)} rows/s), max RSS ${(maxKb / 1024).toFixed(0)} MB`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const builtHub = path.resolve('apps/hub/.output/server/index.mjs');

/** Resident memory of another process, from /proc: now and its high-water mark. */
function residentOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** A realm admin with an API token, made through the services the hub runs, before it starts. */
async function benchToken(url: string, dataDir: string): Promise<string> {
  const config = loadConfig({ DATABASE_URL: url, NHI_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const runtime = await startPlatform({ config, modules: [registerPolicy], printFirstStartNotice: () => {} });
  try {
    const email = 'bench-admin@example.com';
    await runtime.root.resolve(RealmAdminService).createUser({ email, realmSlug: 'bench', role: 'admin' });
    return await demoRealmToken(runtime.root, email, 'bench');
  } finally {
    await runtime.shutdown();
  }
}

/** The download through the built hub's route, read as a client reads it, the hub's memory sampled. */
async function hubDownload(url: string): Promise<void> {
  if (!existsSync(builtHub)) {
    console.log('Built hub: skipped (no apps/hub/.output: pnpm --filter @nhi/hub build first)');
    return;
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nhi-bench-export-hub-'));
  const token = await benchToken(url, dataDir);
  const hub = await startBuiltHub({
    env: {
      DATABASE_URL: url,
      NHI_DATA_DIR: dataDir,
      NHI_ADMIN_PASSWORD: 'bench-password-0123456789',
      ...(hubNodeOptions ? { NODE_OPTIONS: hubNodeOptions } : {}),
    },
    stderr: 'inherit',
  });
  try {
    const pid = hub.pid as number;
    const before = residentOf(pid).rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, residentOf(pid).rss);
    }, 20);
    const started = performance.now();
    const response = await fetch(`${hub.url}/api/export/alerts?format=ocsf&realm=bench`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok || !response.body)
      throw new Error(`export: HTTP ${response.status} ${await response.text()}`);
    let bytes = 0;
    for await (const chunk of response.body) bytes += chunk.byteLength;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    console.log(
      `Built hub${hubNodeOptions ? ` (NODE_OPTIONS=${hubNodeOptions})` : ''}, GET /api/export/alerts?format=ocsf: ${seconds.toFixed(2)} s, ${Math.round(alerts / seconds)} rows/s, ` +
        `${megabytes(bytes).toFixed(1)} MB; hub RSS ${megabytes(before).toFixed(0)} MB before, ` +
        `peak ${megabytes(peak).toFixed(0)} MB during (VmHWM ${megabytes(residentOf(pid).hwm).toFixed(0)} MB since start)`,
    );
  } finally {
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: IN_MEMORY, maxConnections: 1 });
  await admin.withSystemConnection((c) => c.query(`CREATE DATABASE "${databaseName}"`));
  let db: PlatformDatabase | undefined;
  try {
    db = await openDatabase({ databaseUrl: benchUrl, dataDir: IN_MEMORY, maxConnections: 4 });
    await applyMigrations(db);
    const realm = await db.systemPrisma.realm.create({
      data: { slug: 'bench', name: 'Bench' },
      select: { id: true, slug: true },
    });
    const started = performance.now();
    await seed(db, realm.id);
    console.log(
      `Seeded ${alerts} alerts about ${identities} identities in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await db.close();
    db = undefined;
    await hubDownload(benchUrl);
    if (flags.has('--hub-only')) return;
    serviceInChild(benchUrl);
    serviceInChild(benchUrl, ['--max-old-space-size=96']);
    cliInChild(benchUrl);
  } finally {
    await db?.close();
    if (flags.has('--keep')) console.log(`Kept database ${databaseName}`);
    else
      await admin.withSystemConnection((c) =>
        c.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`),
      );
    await admin.close();
  }
}

(child ? measureChild(child) : main()).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
