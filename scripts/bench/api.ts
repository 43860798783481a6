// API throughput benchmark: builds the hub for production (skip with --no-build), then for each
// database (a fresh PostgreSQL database, a fresh PGlite data directory) prepares the demo realm
// (NHI_DEMO_DATA's seed), a browser session switched to it and an API token bound to it, starts the
// built hub on it and loads each endpoint with autocannon: /healthz, platform.whoami, nhi.list
// {limit:50}, nhi.get, alert.list and dashboard.overview with the API token, whoami and nhi.list
// with the session cookie as well. Prints req/s, p50/p95/p99, errors and non-2xx per endpoint, the
// ratio to /healthz, the hub's CPU per request (steadier than req/s when others load the machine),
// the load average at the start and whether the targets hold: on PostgreSQL nhi.list {limit:50} at
// 0.4× the /healthz rate or better, p95 under 200 ms, no errors.
//
// Usage: pnpm bench:api [--no-build] [--duration=20] [--connections=50] [--database=postgres|pglite]
//                       [--endpoints=nhi.list,whoami] [--count] [--profile=<dir>] [--hub-dir=<dir>]
//        TEST_DATABASE_URL selects the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
//        --count also reports PostgreSQL transactions per call (pg_stat_database, 200 calls each, sequential);
//        --profile writes a CPU profile of each hub process (node --cpu-prof) into <dir>.
//        --hub-dir runs the server built in another checkout's hub app (with --no-build), for a
//        before/after comparison.
// The build and the runs hold /tmp/hub-build.lock, so a parallel build cannot swap the server mid-run.
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { seedDemoRealm } from '../../packages/nhi/src/demo/index.ts';
import {
  AuthService,
  loadConfig,
  SESSION_COOKIE,
  SessionTokens,
  startPlatform,
} from '../../packages/platform/src/index.ts';
import { registerPolicy } from '../../packages/policy/src/index.ts';
import { demoRealmToken, freshDatabase, percentile, startBuiltHub, transactionsDuring } from './built-hub.ts';

const root = path.resolve(import.meta.dirname, '../..');
const lockFile = '/tmp/hub-build.lock';

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
const build = !args.includes('--no-build');
const countTransactions = args.includes('--count');
const durationSeconds = Number(option('duration') ?? 20);
const connections = Number(option('connections') ?? 50);
const profileDir = option('profile');
const hubDir = option('hub-dir');
const databases = (option('database') ?? 'postgres,pglite').split(',') as ('postgres' | 'pglite')[];
/** Only the endpoints whose label contains one of these (the /healthz reference always runs). */
const only = option('endpoints')?.split(',');
const targets = { ratioToHealthz: 0.4, p95Ms: 200 };

const adminEmail = 'admin@nhi.local';
const adminPassword = 'bench-api-admin-password';

interface Credentials {
  token: string;
  session: string;
}

interface Endpoint {
  label: string;
  path: string;
  credential: 'none' | 'token' | 'session';
}

interface Measured {
  endpoint: Endpoint;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU the hub process spent per request (not the database's, not the load generator's). */
  cpuMsPerRequest: number;
  transactionsPerCall?: number;
}

const trpc = (procedure: string, input?: unknown) =>
  `/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;

function endpointsOf(nhiId: string): Endpoint[] {
  return [
    { label: '/healthz', path: '/healthz', credential: 'none' },
    { label: 'platform.whoami', path: trpc('platform.whoami'), credential: 'token' },
    { label: 'nhi.list {limit:50}', path: trpc('nhi.list', { limit: 50 }), credential: 'token' },
    { label: 'nhi.get {id}', path: trpc('nhi.get', { id: nhiId }), credential: 'token' },
    { label: 'alert.list', path: trpc('alert.list', {}), credential: 'token' },
    { label: 'dashboard.overview', path: trpc('dashboard.overview', {}), credential: 'token' },
    { label: 'platform.whoami', path: trpc('platform.whoami'), credential: 'session' },
    { label: 'nhi.list {limit:50}', path: trpc('nhi.list', { limit: 50 }), credential: 'session' },
  ];
}

function headersFor(credential: Endpoint['credential'], credentials: Credentials): Record<string, string> {
  if (credential === 'token') return { authorization: `Bearer ${credentials.token}` };
  // A browser sends the cookie with Sec-Fetch-Site: same-origin; the guard refuses cross-site calls.
  if (credential === 'session')
    return { cookie: `${SESSION_COOKIE}=${credentials.session}`, 'sec-fetch-site': 'same-origin' };
  return {};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the hub's first start with NHI_DEMO_DATA does (migrations, first admin, demo realm), then a
 * login switched to the demo realm and an API token of the admin there, through the same services
 * the hub runs. Done before the hub starts: an embedded database has one process at a time.
 */
async function prepare(env: Record<string, string>): Promise<Credentials> {
  const config = loadConfig({ ...env, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' });
  const runtime = await startPlatform({ config, modules: [registerPolicy], printFirstStartNotice: () => {} });
  try {
    await seedDemoRealm(runtime.root, { adminEmail, onlyIfNew: true });
    const auth = runtime.root.resolve(AuthService);
    const login = await auth.login({ email: adminEmail, password: adminPassword, ip: '127.0.0.1' });
    const claims = await runtime.root.resolve(SessionTokens).verify(login.token);
    const session = await auth.switchRealm({ userId: claims.sub, sessionId: claims.sid }, 'demo');
    const token = await demoRealmToken(runtime.root, adminEmail);
    return { token, session: session.token };
  } finally {
    await runtime.shutdown();
  }
}

/** The hub's stderr goes to a file: clients closing their connections at the end of a run are logged there. */
async function startHub(env: Record<string, string>, label: string) {
  const logFile = path.join(os.tmpdir(), `nhi-bench-api-${label}.log`);
  const hub = await startBuiltHub({
    env: { ...env, NHI_ADMIN_PASSWORD: adminPassword, NHI_DEMO_DATA: 'true' },
    stderr: openSync(logFile, 'w'),
    profile: profileDir ? { dir: profileDir, name: `hub-${label}` } : undefined,
    ...(hubDir ? { hubDir: path.resolve(hubDir) } : {}),
  });
  return { ...hub, cpuSeconds: () => cpuSecondsOf(hub.pid) };
}

/**
 * CPU seconds the hub process has used (user + system), from /proc: per request it is a figure
 * that holds better than req/s on a machine others are loading too. NaN where /proc is absent.
 */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}
const ticksPerSecond = 100;

async function call(url: string, credential: Endpoint['credential'], credentials: Credentials) {
  const response = await fetch(url, { headers: headersFor(credential, credentials) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ result: { data: unknown } }>;
}

/**
 * The demo import starts alert evaluation in the background: wait until the alert count stops
 * moving, so the runs measure requests and not the first evaluation.
 */
async function settle(url: string, credentials: Credentials): Promise<void> {
  let previous = -1;
  for (let attempt = 0; attempt < 30; attempt++) {
    const { result } = await call(`${url}${trpc('alert.list', {})}`, 'token', credentials);
    const total = (result.data as { total?: number; items?: unknown[] }).total ?? -2;
    if (total === previous) return;
    previous = total;
    await sleep(3000);
  }
}

async function load(
  hub: { url: string; cpuSeconds(): number },
  endpoint: Endpoint,
  credentials: Credentials,
  duration: number,
) {
  const { url } = hub;
  const times: number[] = [];
  const cpuBefore = hub.cpuSeconds();
  const instance = autocannon({
    url: `${url}${endpoint.path}`,
    connections,
    duration,
    headers: headersFor(endpoint.credential, credentials),
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  const result = await instance;
  const cpuMs = (hub.cpuSeconds() - cpuBefore) * 1000;
  times.sort((a, b) => a - b);
  return {
    rps: result.requests.total / result.duration,
    cpuMsPerRequest: cpuMs / Math.max(1, result.requests.total),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Transactions per call, made one after the other (see transactionsDuring). */
async function transactionsPerCall(
  databaseName: string,
  url: string,
  endpoint: Endpoint,
  credentials: Credentials,
): Promise<number> {
  const calls = 200;
  const counted = await transactionsDuring(databaseName, async () => {
    for (let i = 0; i < calls; i++) await call(`${url}${endpoint.path}`, endpoint.credential, credentials);
  });
  return counted / calls;
}

async function benchDatabase(kind: 'postgres' | 'pglite'): Promise<{ load: number[]; results: Measured[] }> {
  const database = await freshDatabase(kind, 'nhi_bench_api');
  try {
    const env = { NHI_DATA_DIR: database.dataDir, ...database.env };
    console.log(`\n[${kind}] preparing the demo realm, a session and an API token…`);
    const credentials = await prepare(env);
    const hub = await startHub(env, kind);
    try {
      await settle(hub.url, credentials);
      const { result } = await call(`${hub.url}${trpc('nhi.list', { limit: 1 })}`, 'token', credentials);
      const nhiId = (result.data as { items: { id: string }[] }).items[0]?.id;
      if (!nhiId) throw new Error('the demo realm has no identities');
      const machineLoad = os.loadavg();
      const results: Measured[] = [];
      const selected = endpointsOf(nhiId).filter(
        (e) => !only || e.credential === 'none' || only.some((part) => e.label.includes(part)),
      );
      for (const endpoint of selected) {
        await load(hub, endpoint, credentials, 2); // warms caches, connections and the JIT
        const measured = await load(hub, endpoint, credentials, durationSeconds);
        const transactions =
          countTransactions && database.name && endpoint.credential !== 'none'
            ? await transactionsPerCall(database.name, hub.url, endpoint, credentials)
            : undefined;
        results.push({ endpoint, ...measured, transactionsPerCall: transactions });
        console.log(`[${kind}] ${endpoint.label} (${endpoint.credential}): ${measured.rps.toFixed(0)} req/s`);
      }
      return { load: machineLoad, results };
    } finally {
      await hub.stop();
    }
  } finally {
    await database.drop();
  }
}

function report(kind: string, load: number[], results: Measured[]): boolean {
  const healthz = results.find((r) => r.endpoint.credential === 'none')?.rps ?? Number.NaN;
  console.log(
    `\n${kind}: ${connections} connections × ${durationSeconds} s per endpoint; load average at start ` +
      `${load.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)\n`,
  );
  const rows = results.map((r) => ({
    endpoint: r.endpoint.label,
    credential: r.endpoint.credential,
    'req/s': r.rps.toFixed(0),
    '× healthz': (r.rps / healthz).toFixed(2),
    'p50 ms': r.p50.toFixed(0),
    'p95 ms': r.p95.toFixed(0),
    'p99 ms': r.p99.toFixed(0),
    errors: r.errors,
    non2xx: r.non2xx,
    'hub CPU ms/req': r.cpuMsPerRequest.toFixed(2),
    ...(countTransactions ? { 'tx/call': r.transactionsPerCall?.toFixed(1) ?? '' } : {}),
  }));
  console.table(rows);
  const list = results.filter((r) => r.endpoint.label.startsWith('nhi.list'));
  const failures = results.reduce((sum, r) => sum + r.errors + r.non2xx, 0);
  const verdict = (ok: boolean) => (list.length === 0 ? 'not measured' : ok ? 'met' : 'MISSED');
  const ratioOk = list.length > 0 && list.every((r) => r.rps / healthz >= targets.ratioToHealthz);
  const p95Ok = list.length > 0 && list.every((r) => r.p95 < targets.p95Ms);
  console.log(`nhi.list {limit:50} ≥ ${targets.ratioToHealthz}× /healthz: ${verdict(ratioOk)}`);
  console.log(`nhi.list {limit:50} p95 < ${targets.p95Ms} ms: ${verdict(p95Ok)}`);
  console.log(`no errors and no non-2xx answers: ${failures === 0 ? 'met' : 'MISSED'}`);
  return ratioOk && p95Ok && failures === 0;
}

async function main() {
  if (build) {
    console.log('Building the hub for production…');
    execFileSync('pnpm', ['--filter', '@nhi/hub', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const outcomes: Record<string, boolean> = {};
  for (const kind of databases) {
    const { load: machineLoad, results } = await benchDatabase(kind);
    outcomes[kind] = report(kind, machineLoad, results);
  }
  // The targets are PostgreSQL's; the embedded database is reported for comparison.
  if (outcomes.postgres === false) process.exitCode = 1;
}

// The whole run holds the build lock: nobody rebuilds the server while it is measured.
if (process.env.NHI_BENCH_API_LOCKED !== '1') {
  const locked = spawnSync(
    'flock',
    [lockFile, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, NHI_BENCH_API_LOCKED: '1' },
    },
  );
  process.exit(locked.status ?? 1);
} else {
  await main();
}
