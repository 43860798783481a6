// Responsiveness under bulk work: builds the hub for production (skip with --no-build), prepares a
// fresh database (PGlite data directory by default, --database=postgres for comparison) with the
// demo realm and an API token, starts the built hub, waits until its own start-up jobs are done,
// then imports N identities (default 10,000, in the export's JSON shape, through tRPC nhi.import as
// the CLI and scripts do) while probing /healthz every 50 ms and calling nhi.list {limit:50} from
// several clients in a loop. The probing goes on until the jobs the import caused (alert
// evaluation, delivery) are done. Reports p50/p95/p99/max, failures and timeouts of each, the
// import time, the time until the jobs settled, the jobs themselves (from the queue's table), and
// whether the targets hold: /healthz p99 < 100 ms and nhi.list p95 < 1 s, no failures.
//
// Usage: pnpm bench:busy [--no-build] [--database=pglite|postgres] [--count=10000] [--clients=5]
//                        [--profile=<dir>] [--settle-timeout=900]
//        TEST_DATABASE_URL selects the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
//        --profile writes a CPU profile of the hub process (node --cpu-prof) into <dir>.
// The build and the run hold /tmp/hub-build.lock, so a parallel build cannot swap the server mid-run.
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { demoOwnerEmails, generateDemoInventory, seedDemoRealm } from '../../packages/nhi/src/demo/index.ts';
import {
  loadConfig,
  openDatabase,
  SecretFingerprints,
  startPlatform,
} from '../../packages/platform/src/index.ts';
import { registerPolicy } from '../../packages/policy/src/index.ts';
import { demoRealmToken, freshDatabase, percentile, startBuiltHub } from './built-hub.ts';

const root = path.resolve(import.meta.dirname, '../..');
const lockFile = '/tmp/hub-build.lock';

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
const build = !args.includes('--no-build');
const kind = (option('database') ?? 'pglite') as 'pglite' | 'postgres';
const count = Number(option('count') ?? 10_000);
const clients = Number(option('clients') ?? 5);
const profileDir = option('profile');
const settleTimeoutMs = Number(option('settle-timeout') ?? 900) * 1000;

const healthzEveryMs = 50;
/** What an orchestrator would wait for a liveness answer before counting a failure. */
const healthzTimeoutMs = 2_000;
/** What a person waits for a list before giving up. */
const listTimeoutMs = 10_000;
/** No job active for this long after the import: its follow-up work is done. */
const quietMs = 10_000;
const targets = { healthzP99Ms: 100, listP95Ms: 1_000 };

const adminEmail = 'admin@nhi.local';
const adminPassword = 'bench-busy-admin-password';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The demo realm (its owners are members, so the file may name them), an API token of its admin,
 * and the import file: `count` generated identities in the export's JSON shape, their secrets as
 * fingerprints and hints. Done before the hub starts: an embedded database has one process at a time.
 */
async function prepare(env: Record<string, string>) {
  const config = loadConfig({ ...env, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' });
  const runtime = await startPlatform({ config, modules: [registerPolicy], printFirstStartNotice: () => {} });
  try {
    await seedDemoRealm(runtime.root, { adminEmail, onlyIfNew: true });
    const token = await demoRealmToken(runtime.root, adminEmail);
    const fingerprints = runtime.root.resolve(SecretFingerprints);
    const inventory = generateDemoInventory({
      count,
      seed: 4242,
      now: new Date(),
      ownerEmails: [...demoOwnerEmails],
    });
    const rows = await Promise.all(
      inventory.map(async ({ credentials, ownerEmail, ...fields }) => ({
        ...fields,
        // Apart from the demo realm's own identities: every row creates one.
        externalId: `bench/${fields.externalId}`,
        name: `bench-${fields.name}`,
        owner: ownerEmail,
        providerCreatedAt: fields.providerCreatedAt.toISOString(),
        lastUsedAt: fields.lastUsedAt?.toISOString() ?? null,
        credentials: await Promise.all(
          credentials.map(async ({ secret, ...credential }) => ({
            kind: credential.kind,
            fingerprint: await fingerprints.fingerprint(secret),
            hint: fingerprints.hintOf(secret),
            status: credential.status,
            providerCreatedAt: credential.providerCreatedAt.toISOString(),
            lastRotatedAt: credential.lastRotatedAt.toISOString(),
            expiresAt: credential.expiresAt?.toISOString() ?? null,
            lastUsedAt: credential.lastUsedAt?.toISOString() ?? null,
          })),
        ),
      })),
    );
    return { token, file: JSON.stringify(rows) };
  } finally {
    await runtime.shutdown();
  }
}

function startHub(env: Record<string, string>) {
  return startBuiltHub({
    env: { ...env, NHI_ADMIN_PASSWORD: adminPassword },
    stderr: 'inherit',
    profile: profileDir ? { dir: profileDir, name: `hub-busy-${kind}` } : undefined,
  });
}

/** Jobs running in the hub right now, from its metrics (which touch no database). */
async function activeJobs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const lines = text.split('\n').filter((line) => line.startsWith('nhi_jobs_active'));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Waits until no job has been active for `quietMs` (polling /metrics); the time it took. */
async function settle(url: string, deadlineMs: number): Promise<number> {
  const started = performance.now();
  let quietSince: number | undefined;
  for (;;) {
    const now = performance.now();
    let active = 1;
    try {
      active = await activeJobs(url);
    } catch {}
    if (active > 0) quietSince = undefined;
    else quietSince ??= now;
    if (quietSince !== undefined && now - quietSince >= quietMs) return quietSince - started;
    if (now - started > deadlineMs) return Number.NaN;
    await sleep(250);
  }
}

interface Sample {
  ms: number;
  outcome: 'ok' | 'failed' | 'timeout';
  /** performance.now() when the call was made. */
  at: number;
}

/** /healthz every 50 ms, each probe on its own (a slow answer does not delay the next probe). */
function probeHealthz(url: string) {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const started = performance.now();
    const probe = fetch(`${url}/healthz`, { signal: AbortSignal.timeout(healthzTimeoutMs) })
      .then(async (response) => {
        await response.arrayBuffer();
        samples.push({
          ms: performance.now() - started,
          outcome: response.ok ? 'ok' : 'failed',
          at: started,
        });
      })
      .catch((error: Error) => {
        const outcome = error.name === 'TimeoutError' ? 'timeout' : 'failed';
        samples.push({ ms: performance.now() - started, outcome, at: started });
      })
      .finally(() => pending.delete(probe));
    pending.add(probe);
  }, healthzEveryMs);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

/** `clients` callers of nhi.list {limit:50}, each calling again as soon as it has an answer. */
function loadList(url: string, token: string) {
  const samples: Sample[] = [];
  const failures: string[] = [];
  let running = true;
  const input = encodeURIComponent(JSON.stringify({ limit: 50 }));
  const client = async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/api/trpc/nhi.list?input=${input}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(listTimeoutMs),
        });
        const body = await response.text();
        samples.push({
          ms: performance.now() - started,
          outcome: response.ok ? 'ok' : 'failed',
          at: started,
        });
        if (!response.ok && failures.length < 5) failures.push(`${response.status} ${body.slice(0, 200)}`);
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        samples.push({
          ms: performance.now() - started,
          outcome: timedOut ? 'timeout' : 'failed',
          at: started,
        });
        if (!timedOut) await sleep(100);
      }
    }
  };
  const workers = Array.from({ length: clients }, client);
  return {
    samples,
    failures,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

/**
 * The hub's own event-loop delay, from its metrics each second: how long the process could not
 * answer anything (CPU work on its thread; before ADR 0025 every database statement too).
 */
function sampleEventLoop(url: string) {
  const maxima: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
        const line = text.split('\n').find((l) => l.startsWith('nhi_nodejs_eventloop_lag_max_seconds'));
        if (line) maxima.push(Number(line.split(' ').at(-1)) * 1000);
      } catch {}
      await sleep(1_000);
    }
  })();
  return {
    maxima,
    async stop() {
      running = false;
      await loop;
    },
  };
}

function summary(samples: Sample[]) {
  const answered = samples.filter((s) => s.outcome !== 'timeout').map((s) => s.ms);
  answered.sort((a, b) => a - b);
  return {
    count: samples.length,
    p50: percentile(answered, 50),
    p95: percentile(answered, 95),
    p99: percentile(answered, 99),
    max: answered.at(-1) ?? Number.NaN,
    failed: samples.filter((s) => s.outcome === 'failed').length,
    timeouts: samples.filter((s) => s.outcome === 'timeout').length,
  };
}

async function importFile(url: string, token: string, file: string) {
  const started = performance.now();
  const response = await fetch(`${url}/api/trpc/nhi.import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ format: 'json', content: file, skipInvalid: false }),
  });
  const body = (await response.json()) as { result?: { data: { created: number; updated: number } } };
  if (!response.ok || !body.result) throw new Error(`import: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, ...body.result.data };
}

interface JobRow {
  name: string;
  state: string;
  ms: number | null;
}

/** The jobs created since `since`, from the queue's own table (read after the hub stopped, for PGlite). */
async function jobsSince(database: { dataDir: string; url?: string }, since: Date): Promise<JobRow[]> {
  const sql = `SELECT name, state,
      (extract(epoch FROM completed_on - started_on) * 1000)::float8 AS ms
    FROM pgboss.job WHERE created_on >= $1 AND name NOT LIKE '\\_\\_%' ORDER BY created_on`;
  const opened = await openDatabase({ databaseUrl: database.url, dataDir: database.dataDir });
  try {
    return await opened.systemQuery<JobRow>('bench-busy-jobs', sql, [since]);
  } finally {
    await opened.close();
  }
}

function jobTable(jobs: JobRow[]) {
  const byName = new Map<string, JobRow[]>();
  for (const job of jobs) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
  return [...byName].map(([name, rows]) => {
    const times = rows.flatMap((row) => (row.ms === null ? [] : [row.ms])).sort((a, b) => a - b);
    return {
      job: name,
      count: rows.length,
      completed: rows.filter((row) => row.state === 'completed').length,
      other: [...new Set(rows.filter((row) => row.state !== 'completed').map((row) => row.state))].join(','),
      'p50 ms': percentile(times, 50).toFixed(0),
      'max ms': (times.at(-1) ?? Number.NaN).toFixed(0),
    };
  });
}

async function main() {
  if (build) {
    console.log('Building the hub for production…');
    execFileSync('pnpm', ['--filter', '@nhi/hub', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const database = await freshDatabase(kind, 'nhi_bench_busy');
  try {
    const env = { NHI_DATA_DIR: database.dataDir, ...database.env };
    console.log(`[${kind}] preparing the demo realm, an API token and a file of ${count} identities…`);
    const { token, file } = await prepare(env);
    const hub = await startHub(env);
    let importStarted: Date;
    let imported: Awaited<ReturnType<typeof importFile>>;
    let settledMs: number;
    let healthz: ReturnType<typeof probeHealthz>;
    let list: ReturnType<typeof loadList>;
    let eventLoop: ReturnType<typeof sampleEventLoop>;
    let phases: { importFrom: number; importTo: number; settledAt: number };
    const load = os.loadavg();
    try {
      console.log(`[${kind}] waiting for the start-up jobs…`);
      await settle(hub.url, settleTimeoutMs);
      healthz = probeHealthz(hub.url);
      list = loadList(hub.url, token);
      eventLoop = sampleEventLoop(hub.url);
      await sleep(2_000);
      console.log(`[${kind}] importing ${count} identities (${(file.length / 1e6).toFixed(1)} MB)…`);
      importStarted = new Date();
      const importFrom = performance.now();
      imported = await importFile(hub.url, token, file);
      const importTo = performance.now();
      console.log(`[${kind}] imported in ${(imported.ms / 1000).toFixed(1)} s; waiting for its jobs…`);
      settledMs = await settle(hub.url, settleTimeoutMs);
      phases = { importFrom, importTo, settledAt: importTo + settledMs };
      await healthz.stop();
      await list.stop();
      await eventLoop.stop();
    } finally {
      await hub.stop();
    }
    const jobs = await jobsSince(database, importStarted);
    report(
      load,
      imported,
      settledMs,
      { healthz: healthz.samples, list: list.samples },
      phases,
      jobs,
      list.failures,
    );
    const lags = [...eventLoop.maxima].sort((a, b) => a - b);
    console.log(
      `event-loop delay of the hub, max per second: p50 ${percentile(lags, 50).toFixed(0)} ms, ` +
        `p99 ${percentile(lags, 99).toFixed(0)} ms, max ${(lags.at(-1) ?? Number.NaN).toFixed(0)} ms`,
    );
  } finally {
    await database.drop();
  }
}

function report(
  load: number[],
  imported: { ms: number; created: number; updated: number },
  settledMs: number,
  samples: { healthz: Sample[]; list: Sample[] },
  phases: { importFrom: number; importTo: number; settledAt: number },
  jobs: JobRow[],
  failures: string[],
) {
  const fixed = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(0));
  console.log(
    `\n${kind}: ${count} identities imported (${imported.created} created, ${imported.updated} updated) in ` +
      `${(imported.ms / 1000).toFixed(1)} s; jobs settled ${(settledMs / 1000).toFixed(1)} s after the ` +
      `import answered; load average at start ${load.map((l) => l.toFixed(2)).join(' ')} ` +
      `(${os.cpus().length} cores)\n`,
  );
  const during = (from: number, to: number) => (sample: Sample) => sample.at >= from && sample.at < to;
  const rows = [
    { probe: `/healthz every ${healthzEveryMs} ms (timeout ${healthzTimeoutMs} ms)`, of: samples.healthz },
    { probe: `nhi.list {limit:50} × ${clients} (timeout ${listTimeoutMs} ms)`, of: samples.list },
  ].flatMap(({ probe, of }) => [
    { probe, phase: 'all', ...summary(of) },
    { probe, phase: 'import', ...summary(of.filter(during(phases.importFrom, phases.importTo))) },
    { probe, phase: 'jobs', ...summary(of.filter(during(phases.importTo, phases.settledAt))) },
  ]);
  console.table(
    rows.map(({ probe, phase, count: n, p50, p95, p99, max, failed, timeouts }) => ({
      probe,
      phase,
      calls: n,
      'p50 ms': fixed(p50),
      'p95 ms': fixed(p95),
      'p99 ms': fixed(p99),
      'max ms': fixed(max),
      failed,
      timeouts,
    })),
  );
  const healthz = summary(samples.healthz);
  const list = summary(samples.list);
  console.table(jobTable(jobs));
  if (failures.length) console.log('first failures:', failures);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const healthzOk = healthz.p99 < targets.healthzP99Ms && healthz.timeouts + healthz.failed === 0;
  const listOk = list.p95 < targets.listP95Ms && list.timeouts + list.failed === 0;
  console.log(`/healthz p99 < ${targets.healthzP99Ms} ms, every probe answered: ${verdict(healthzOk)}`);
  console.log(`nhi.list p95 < ${targets.listP95Ms} ms, every call answered: ${verdict(listOk)}`);
  if (!healthzOk || !listOk) process.exitCode = 1;
}

// The whole run holds the build lock: nobody rebuilds the server while it is measured.
if (process.env.NHI_BENCH_BUSY_LOCKED !== '1') {
  const locked = spawnSync(
    'flock',
    [lockFile, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, NHI_BENCH_BUSY_LOCKED: '1' } },
  );
  process.exit(locked.status ?? 1);
} else {
  await main();
}
