// Federation benchmark: builds the hub for production (skip with --no-build), then starts a hub and
// two worker instances (w1, w2) of the built server, each on a fresh PostgreSQL database, with
// realm `local` served by the hub, `w1-realm` placed on w1 and `w2-realm` on w2. Each realm holds
// the same synthetic inventory (the demo generator's, same seed and instant, imported through the
// inventory's importer on the database that serves the realm), the admin and the demo owners as
// members, synchronised to the workers before their realm is seeded there.
// Measures with autocannon, through the hub with each realm's API token:
//   - p50/p95 and req/s of nhi.list {limit:50} and dashboard.overview, one call at a time
//     (--calls, in rounds that alternate between the targets, so a change in the machine's load
//     falls on all of them), for `local`, `w1-realm` and (overview) `w2-realm`;
//   - the same calls made directly at w1 with a forward token, as the hub sends them: the
//     forwarding overhead is the p50 through the hub minus the p50 direct (target ≤ 2 ms);
//   - dashboard.combinedOverview with a logged-in session (every realm of the admin: `hub`, the
//     empty first-start realm, `local`, `w1-realm`, `w2-realm`) against the slowest single realm's
//     dashboard.overview (target ≤ 1.2×);
//   - throughput with --connections for --duration s of each call through the hub, nhi.list on
//     w1-realm among them, and nhi.list direct at w1 for reference.
// Every run also reports the CPU per call of the hub and of w1 (net of what they use idle), which
// holds better than latency when others load the machine.
// Prints the load average at the start, the figures and whether the targets hold. Timings are
// reported, never asserted: the exit code is non-zero only when an answer was not 2xx (or failed).
//
// Usage: pnpm bench:federation [--no-build] [--duration=10] [--connections=50] [--calls=200]
//                              [--identities=320] [--profile=<dir>]
//        TEST_DATABASE_URL selects the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
//        --profile writes a CPU profile of the hub and of each worker (node --cpu-prof) into <dir>.
// The build and the runs hold /tmp/hub-build.lock, so a parallel build cannot swap the server mid-run.
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { DemoNhi } from '../../packages/nhi/src/demo/index.ts';
import { demoOwnerEmails, generateDemoInventory } from '../../packages/nhi/src/demo/index.ts';
import { NhiImportService } from '../../packages/nhi/src/index.ts';
import {
  ApiTokenService,
  AuthService,
  FORWARD_TOKEN_HEADER,
  ForwardTokens,
  InstanceRegistry,
  InstanceSync,
  loadConfig,
  openRequestScope,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  type PlatformRuntime,
  RealmAdminService,
  type RealmRef,
  SESSION_COOKIE,
  SecretFingerprints,
  startPlatform,
  systemClock,
  WIRE_FORMAT_HEADER,
} from '../../packages/platform/src/index.ts';
import { registerPolicy } from '../../packages/policy/src/index.ts';
import { freshDatabase, percentile, startBuiltHub } from './built-hub.ts';

const root = path.resolve(import.meta.dirname, '../..');
const lockFile = '/tmp/hub-build.lock';

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
const build = !args.includes('--no-build');
const durationSeconds = Number(option('duration') ?? 10);
const connections = Number(option('connections') ?? 50);
const calls = Number(option('calls') ?? 200);
const identities = Number(option('identities') ?? 320);
const profileDir = option('profile');
/** Sequential calls are made in this many rounds, each target in turn. */
const rounds = 4;
const targets = { overheadP50Ms: 2, combinedRatio: 1.2 };

const adminEmail = 'admin@nhi.local';
const adminPassword = 'bench-federation-admin-password';
/** The same inventory everywhere: ages and expiries are relative to this instant. */
const inventoryInstant = new Date();

type Credential = 'token' | 'session' | 'forward';

interface Target {
  label: string;
  /** Where the call goes: through the hub, or directly at w1. */
  via: 'hub' | 'w1';
  credential: Credential;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  /** Headers for one batch: a forward token is signed anew for each, since it lives 60 s. */
  headers(): Promise<Record<string, string>>;
}

interface Figures {
  calls: number;
  rps: number;
  p50: number;
  p95: number;
  failures: number;
  /** CPU the hub and w1 processes spent per call (not the databases', not the load generator's). */
  hubCpuMsPerCall: number;
  w1CpuMsPerCall: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const trpcPath = (procedure: string, input: unknown) =>
  `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

/** A process of the built server. */
type Server = Awaited<ReturnType<typeof startBuiltHub>>;

/** A hub and two workers with their databases; `stop` ends them and drops the databases. */
async function startFederation() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error(error));
  };
  try {
    const database = async (label: string) => {
      const db = await freshDatabase('postgres', `nhi_bench_federation_${label}`);
      cleanups.push(() => db.drop());
      return db;
    };
    const [hubDb, w1Db, w2Db] = [await database('hub'), await database('w1'), await database('w2')];
    const server = async (label: string, env: Record<string, string>): Promise<Server> => {
      const logFile = path.join(os.tmpdir(), `nhi-bench-federation-${label}.log`);
      const started = await startBuiltHub({
        env,
        stderr: openSync(logFile, 'w'),
        profile: profileDir ? { dir: profileDir, name: label } : undefined,
      });
      cleanups.push(() => started.stop());
      return started;
    };
    const hub = await server('hub', {
      DATABASE_URL: hubDb.url ?? '',
      NHI_DATA_DIR: hubDb.dataDir,
      NHI_ADMIN_PASSWORD: adminPassword,
    });
    const worker = (name: string, db: typeof w1Db) =>
      server(name, {
        DATABASE_URL: db.url ?? '',
        NHI_DATA_DIR: db.dataDir,
        NHI_MODE: 'worker',
        NHI_INSTANCE_NAME: name,
        NHI_HUB_URL: hub.url,
      });
    const [w1, w2] = await Promise.all([worker('w1', w1Db), worker('w2', w2Db)]);
    const operator = await runtimeOn(hubDb.url ?? '');
    cleanups.push(() => operator.shutdown());
    const prepared = await prepareRealms(operator, { w1: w1.url, w2: w2.url });
    await seedRealm(operator, 'local');
    for (const [slug, db] of [
      ['w1-realm', w1Db],
      ['w2-realm', w2Db],
    ] as const) {
      const onWorker = await runtimeOn(db.url ?? '');
      try {
        await seedRealm(onWorker, slug);
      } finally {
        await onWorker.shutdown();
      }
    }
    return { hub, w1, w2, operator, ...prepared, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A platform runtime on a database the servers already migrated: the operator's side. */
function runtimeOn(databaseUrl: string): Promise<PlatformRuntime> {
  return startPlatform({
    config: loadConfig({ DATABASE_URL: databaseUrl, NHI_MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn' }),
    modules: [registerPolicy],
    firstStart: false,
  });
}

/**
 * What `nhi instance add`, `realm create [--instance]` and `user create` do on the hub's
 * database, an API token of the admin in each realm, the worker realms synchronised, and a
 * logged-in session of the admin (on the hub's own realm: the combined overview starts there).
 */
async function prepareRealms(operator: PlatformRuntime, workers: { w1: string; w2: string }) {
  const registry = operator.root.resolve(InstanceRegistry);
  const realmAdmin = operator.root.resolve(RealmAdminService);
  await registry.add({ name: 'w1', baseUrl: workers.w1 });
  await registry.add({ name: 'w2', baseUrl: workers.w2 });
  await realmAdmin.createRealm({ slug: 'local', name: 'Local' });
  await registry.createRealmOn({ slug: 'w1-realm', name: 'W1 realm' }, 'w1');
  await registry.createRealmOn({ slug: 'w2-realm', name: 'W2 realm' }, 'w2');
  const tokens: Record<string, { token: string; id: string }> = {};
  for (const slug of realmSlugs) {
    await realmAdmin.createUser({ email: adminEmail, realmSlug: slug, role: 'admin' });
    for (const email of demoOwnerEmails)
      await realmAdmin.createUser({ email, realmSlug: slug, role: 'editor' });
    const { userId, realm } = await realmAdmin.findMember(adminEmail, slug);
    const created = await (await systemScope(operator, realm)).container
      .resolve(ApiTokenService)
      .create({ userId, name: 'bench-federation' });
    tokens[slug] = { token: created.token, id: created.id };
  }
  const sync = operator.root.resolve(InstanceSync);
  for (const slug of ['w1-realm', 'w2-realm']) {
    const { realm } = await realmAdmin.findMember(adminEmail, slug);
    const synced = await sync.requireSynced(realm.id);
    if (!synced?.result) throw new Error(`${slug} was not synchronised to its instance`);
  }
  const { userId, realm: w1Realm } = await realmAdmin.findMember(adminEmail, 'w1-realm');
  const login = await operator.root
    .resolve(AuthService)
    .login({ email: adminEmail, password: adminPassword, ip: '127.0.0.1' });
  return { tokens, session: login.token, userId, w1RealmId: w1Realm.id };
}

const realmSlugs = ['local', 'w1-realm', 'w2-realm'] as const;

function systemScope(runtime: PlatformRuntime, realm: RealmRef) {
  return openRequestScope(runtime.root, {
    context: {
      requestId: 'bench-federation',
      realm,
      principal: { kind: 'system', name: 'bench' },
      clock: systemClock,
    },
    credential: 'bearer',
  });
}

/**
 * The demo generator's inventory, imported into `slug` on the database of `runtime` as
 * seedDemoRealm imports the demo realm's (each secret becomes its fingerprint and hint there).
 */
async function seedRealm(runtime: PlatformRuntime, slug: string): Promise<void> {
  const db = runtime.root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
  const realm = await db.systemPrisma.realm.findUnique({ where: { slug }, select: { id: true, slug: true } });
  if (!realm) throw new Error(`realm ${slug} is missing on its instance`);
  const inventory = generateDemoInventory({
    now: inventoryInstant,
    ownerEmails: [adminEmail, ...demoOwnerEmails],
    count: identities,
  });
  const rows = await importRowsOf(inventory, runtime.root.resolve(SecretFingerprints));
  const importer = (await systemScope(runtime, realm)).container.resolve(NhiImportService);
  const content = JSON.stringify(rows);
  for (let attempt = 1; ; attempt++) {
    try {
      const outcome = await importer.import({ format: 'json', content, skipInvalid: false });
      if (!outcome.imported)
        throw new Error(`${slug}: the inventory did not import: ${outcome.errors[0]?.reason}`);
      return;
    } catch (error) {
      // The import is one transaction; PostgreSQL may end it as a deadlock's victim when the
      // server's background work writes meanwhile. Retried, as Prisma advises (P2034).
      if ((error as { code?: string }).code !== 'P2034' || attempt >= 3) throw error;
      console.log(`  ${slug}: the import met a write conflict (attempt ${attempt}), retrying`);
      await sleep(1000);
    }
  }
}

async function importRowsOf(inventory: DemoNhi[], fingerprints: SecretFingerprints) {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return Promise.all(
    inventory.map(async ({ credentials, ownerEmail, ...fields }) => ({
      ...fields,
      owner: ownerEmail,
      providerCreatedAt: fields.providerCreatedAt.toISOString(),
      lastUsedAt: iso(fields.lastUsedAt),
      credentials: await Promise.all(
        credentials.map(async ({ secret, ...credential }) => ({
          kind: credential.kind,
          fingerprint: await fingerprints.fingerprint(secret),
          hint: fingerprints.hintOf(secret),
          status: credential.status,
          providerCreatedAt: credential.providerCreatedAt.toISOString(),
          lastRotatedAt: credential.lastRotatedAt.toISOString(),
          expiresAt: iso(credential.expiresAt),
          lastUsedAt: iso(credential.lastUsedAt),
        })),
      ),
    })),
  );
}

type Federation = Awaited<ReturnType<typeof startFederation>>;

function viaHub(
  federation: Federation,
  slug: string,
  label: string,
  procedure: string,
  input: unknown,
): Target {
  const { token } = federation.tokens[slug] as { token: string };
  return {
    label: `${label} ${slug}`,
    via: 'hub',
    credential: 'token',
    url: `${federation.hub.url}${trpcPath(procedure, input)}`,
    method: 'GET',
    headers: async () => ({ authorization: `Bearer ${token}` }),
  };
}

/**
 * The call the hub makes to w1 for the admin's API token in w1-realm: a POST with the input as
 * superjson (a plain object's superjson is `{ json: value }`), the forward token and the wire
 * format header, so w1 does exactly the work it does for a forwarded call.
 */
function directAtW1(federation: Federation, label: string, procedure: string, input: unknown): Target {
  const forwardTokens = federation.operator.root.resolve(ForwardTokens);
  const { id } = federation.tokens['w1-realm'] as { id: string };
  return {
    label: `${label} w1-realm`,
    via: 'w1',
    credential: 'forward',
    url: `${federation.w1.url}/api/trpc/${procedure}`,
    method: 'POST',
    body: JSON.stringify({ json: input }),
    headers: async () => ({
      'content-type': 'application/json',
      [WIRE_FORMAT_HEADER]: 'superjson',
      [FORWARD_TOKEN_HEADER]: await forwardTokens.issue({
        instance: 'w1',
        userId: federation.userId,
        realmId: federation.w1RealmId,
        requestId: 'bench-federation',
        token: { id, permissions: [] },
      }),
    }),
  };
}

function combinedOverview(federation: Federation): Target {
  return {
    label: 'dashboard.combinedOverview (all realms)',
    via: 'hub',
    credential: 'session',
    url: `${federation.hub.url}${trpcPath('dashboard.combinedOverview', {})}`,
    method: 'GET',
    // A browser sends the cookie with Sec-Fetch-Site: same-origin; the guard refuses cross-site calls.
    headers: async () => ({
      cookie: `${SESSION_COOKIE}=${federation.session}`,
      'sec-fetch-site': 'same-origin',
    }),
  };
}

const list = ['nhi.list {limit:50}', 'nhi.list', { limit: 50 }] as const;
const overview = ['dashboard.overview', 'dashboard.overview', {}] as const;

/** The calls made one at a time: the latencies the targets are about. */
function sequentialTargets(federation: Federation): Target[] {
  return [
    viaHub(federation, 'local', ...list),
    viaHub(federation, 'w1-realm', ...list),
    directAtW1(federation, ...list),
    viaHub(federation, 'local', ...overview),
    viaHub(federation, 'w1-realm', ...overview),
    viaHub(federation, 'w2-realm', ...overview),
    directAtW1(federation, ...overview),
    combinedOverview(federation),
  ];
}

/** The calls loaded with --connections: through the hub, and nhi.list direct at w1 for reference. */
function throughputTargets(federation: Federation): Target[] {
  return [
    viaHub(federation, 'local', ...list),
    viaHub(federation, 'w1-realm', ...list),
    // A forward token lives 60 s: a longer run would end in refusals.
    ...(durationSeconds <= 50 ? [directAtW1(federation, ...list)] : []),
    viaHub(federation, 'local', ...overview),
    viaHub(federation, 'w1-realm', ...overview),
  ];
}

/** What runs of one target added up to. */
interface Tally {
  times: number[];
  calls: number;
  seconds: number;
  failures: number;
  /** CPU seconds the hub and w1 used meanwhile. */
  hubCpu: number;
  w1Cpu: number;
}

const emptyTally = (): Tally => ({ times: [], calls: 0, seconds: 0, failures: 0, hubCpu: 0, w1Cpu: 0 });

/**
 * One autocannon run of `target`, `amount` calls or `duration` seconds, added to `tally`: the
 * response time of each call, the wall time, and the CPU the hub and w1 used meanwhile.
 */
async function run(
  federation: Federation,
  target: Target,
  options: { connections: number; amount?: number; duration?: number },
  tally: Tally = emptyTally(),
): Promise<Tally> {
  const instance = autocannon({
    url: target.url,
    method: target.method,
    body: target.body,
    headers: await target.headers(),
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
  }) as Promise<autocannon.Result> & autocannon.Instance; // without a callback: both, a thenable tracker
  instance.on('response', (_client, _status, _bytes, responseTime) => tally.times.push(responseTime));
  const [hubCpu, w1Cpu, started] = [
    cpuSecondsOf(federation.hub),
    cpuSecondsOf(federation.w1),
    performance.now(),
  ];
  const result = await instance;
  tally.seconds += (performance.now() - started) / 1000;
  tally.hubCpu += cpuSecondsOf(federation.hub) - hubCpu;
  tally.w1Cpu += cpuSecondsOf(federation.w1) - w1Cpu;
  tally.calls += result.requests.total;
  tally.failures += result.errors + result.timeouts + result.non2xx;
  return tally;
}

/**
 * What the hub and w1 use per second while nobody calls them (job queue polling, heartbeats):
 * taken off the CPU of each run, so a run of a few calls a second is not charged for it.
 */
let idleCpuPerSecond = { hub: 0, w1: 0 };

async function measureIdleCpu(federation: Federation, seconds = 5): Promise<void> {
  const [hub, w1] = [cpuSecondsOf(federation.hub), cpuSecondsOf(federation.w1)];
  await sleep(seconds * 1000);
  idleCpuPerSecond = {
    hub: (cpuSecondsOf(federation.hub) - hub) / seconds,
    w1: (cpuSecondsOf(federation.w1) - w1) / seconds,
  };
}

/**
 * The figures of a tally. One connection's req/s is counted from the response times: autocannon
 * waits for its next one-second tick before it ends a run, which a few dozen calls would feel.
 */
function figuresOf(tally: Tally, sequential = false): Figures {
  const sorted = [...tally.times].sort((a, b) => a - b);
  const perCall = (cpuSeconds: number, idle: number) =>
    (Math.max(0, cpuSeconds - idle * tally.seconds) * 1000) / Math.max(1, tally.calls);
  const busySeconds = tally.times.reduce((sum, time) => sum + time, 0) / 1000;
  return {
    calls: tally.calls,
    rps: tally.calls / (sequential ? busySeconds : tally.seconds),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    failures: tally.failures,
    hubCpuMsPerCall: perCall(tally.hubCpu, idleCpuPerSecond.hub),
    w1CpuMsPerCall: perCall(tally.w1Cpu, idleCpuPerSecond.w1),
  };
}

/** Each target `calls` times over one connection, in rounds taking the targets in turn. */
async function measureSequential(
  federation: Federation,
  targetList: Target[],
): Promise<Map<Target, Figures>> {
  const perRound = Math.max(1, Math.ceil(calls / rounds));
  const tallies = new Map(targetList.map((target) => [target, emptyTally()]));
  // Warms caches, connections and the JIT.
  for (const target of targetList) await run(federation, target, { connections: 1, amount: 20 });
  for (let round = 0; round < rounds; round++) {
    for (const target of targetList) {
      await run(federation, target, { connections: 1, amount: perRound }, tallies.get(target));
    }
  }
  return new Map([...tallies].map(([target, tally]) => [target, figuresOf(tally, true)]));
}

/**
 * CPU seconds a server process has used (user + system), from /proc: per call it holds better
 * than latency or req/s on a machine others are loading too. NaN where /proc is absent.
 */
function cpuSecondsOf(server: { pid: number | undefined }): number {
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}
const ticksPerSecond = 100;

async function measureThroughput(
  federation: Federation,
  targetList: Target[],
): Promise<Map<Target, Figures>> {
  const measured = new Map<Target, Figures>();
  for (const target of targetList) {
    await run(federation, target, { connections, duration: 2 }); // warms connections and pools
    const figures = figuresOf(await run(federation, target, { connections, duration: durationSeconds }));
    measured.set(target, figures);
    console.log(`  ${target.label} via ${target.via}: ${figures.rps.toFixed(0)} req/s`);
  }
  return measured;
}

/**
 * Importing the inventory starts alert evaluation in the background, on the instance that serves
 * each realm: wait until every realm's alert count stops moving, so the runs measure requests.
 */
async function settle(federation: Federation): Promise<void> {
  for (const slug of realmSlugs) {
    const target = viaHub(federation, slug, 'alert.list', 'alert.list', {});
    let previous = -1;
    for (let attempt = 0; attempt < 30; attempt++) {
      const response = await fetch(target.url, { headers: await target.headers() });
      if (!response.ok) throw new Error(`${target.label}: ${response.status} ${await response.text()}`);
      const { result } = (await response.json()) as { result: { data: { total?: number } } };
      if (result.data.total === previous) break;
      previous = result.data.total ?? -2;
      await sleep(3000);
    }
  }
}

const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? '' : value.toFixed(1);
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

function table(measured: Map<Target, Figures>): void {
  console.table(
    [...measured].map(([target, figures]) => ({
      call: target.label,
      via: target.via,
      credential: target.credential,
      calls: figures.calls,
      'req/s': figures.rps.toFixed(0),
      'p50 ms': ms(figures.p50),
      'p95 ms': ms(figures.p95),
      failures: figures.failures,
      'hub CPU ms/call': ms(figures.hubCpuMsPerCall),
      'w1 CPU ms/call': ms(figures.w1CpuMsPerCall),
    })),
  );
}

/** The targets, from the sequential figures, and what forwarding costs the hub in CPU. */
function verdicts(sequential: Map<Target, Figures>): void {
  const measuredFor = (label: string, via: Target['via']) =>
    [...sequential].find(([target]) => target.label === label && target.via === via)?.[1];
  const p50Of = (label: string, via: Target['via']) => measuredFor(label, via)?.p50 ?? Number.NaN;
  console.log('\nTargets (one call at a time, p50):');
  for (const call of ['nhi.list {limit:50}', 'dashboard.overview']) {
    const overhead = p50Of(`${call} w1-realm`, 'hub') - p50Of(`${call} w1-realm`, 'w1');
    console.log(
      `  forwarding overhead of ${call} (hub → w1 minus direct at w1): ${overhead.toFixed(2)} ms, ` +
        `target ≤ ${targets.overheadP50Ms} ms: ${verdict(overhead <= targets.overheadP50Ms)}`,
    );
    // Steadier than latency on a loaded machine: the hub's CPU for a forwarded call vs a local one.
    const forwarded = measuredFor(`${call} w1-realm`, 'hub')?.hubCpuMsPerCall ?? Number.NaN;
    const local = measuredFor(`${call} local`, 'hub')?.hubCpuMsPerCall ?? Number.NaN;
    console.log(`    hub CPU per call: ${ms(forwarded)} ms forwarded to w1, ${ms(local)} ms served locally`);
  }
  const singles = realmSlugs.map((slug) => ({ slug, p50: p50Of(`dashboard.overview ${slug}`, 'hub') }));
  const slowest = singles.reduce((a, b) => (b.p50 > a.p50 ? b : a));
  const combined = p50Of('dashboard.combinedOverview (all realms)', 'hub');
  const ratio = combined / slowest.p50;
  console.log(
    `  combined overview ${combined.toFixed(1)} ms vs slowest single realm (${slowest.slug}) ` +
      `${slowest.p50.toFixed(1)} ms: ${ratio.toFixed(2)}×, target ≤ ${targets.combinedRatio}×: ` +
      `${verdict(ratio <= targets.combinedRatio)}`,
  );
}

async function main() {
  if (build) {
    console.log('Building the hub for production…');
    execFileSync('pnpm', ['--filter', '@nhi/hub', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const machineLoad = os.loadavg();
  console.log(
    `Load average at start ${machineLoad.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`,
  );
  console.log(`Starting a hub and two workers, seeding ${identities} identities into each realm…`);
  const federation = await startFederation();
  try {
    await settle(federation);
    await measureIdleCpu(federation);
    console.log(
      `Idle CPU, taken off each run's: hub ${ms(idleCpuPerSecond.hub * 1000)} ms/s, ` +
        `w1 ${ms(idleCpuPerSecond.w1 * 1000)} ms/s`,
    );
    console.log(`\nOne call at a time: ${calls} calls per target in ${rounds} rounds, after 20 to warm up`);
    const sequential = await measureSequential(federation, sequentialTargets(federation));
    table(sequential);
    console.log(`\nThroughput: ${connections} connections × ${durationSeconds} s per target`);
    const throughput = await measureThroughput(federation, throughputTargets(federation));
    table(throughput);
    verdicts(sequential);
    const failures = [...sequential.values(), ...throughput.values()].reduce((sum, f) => sum + f.failures, 0);
    console.log(`  no errors and no non-2xx answers: ${verdict(failures === 0)}`);
    // Timings depend on the machine: only failed calls fail the run.
    if (failures > 0) process.exitCode = 1;
  } finally {
    await federation.stop();
  }
}

// The whole run holds the build lock: nobody rebuilds the server while it is measured.
if (process.env.NHI_BENCH_FEDERATION_LOCKED !== '1') {
  const locked = spawnSync(
    'flock',
    [lockFile, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, NHI_BENCH_FEDERATION_LOCKED: '1' },
    },
  );
  process.exit(locked.status ?? 1);
} else {
  await main();
}
