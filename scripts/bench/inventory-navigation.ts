// Inventory navigation benchmark: builds the hub for production (skip with --no-build), prepares a
// fresh PostgreSQL database with the demo realm (NHI_DEMO_DATA's seed), starts the built hub on it
// and waits until its start-up jobs are done, logs in with headless chromium, switches to the demo
// realm and opens /inventory. There it makes N in-app navigations (default 40) through the page's
// own controls: the sort select and direction, next and previous page, the search box, the quick
// filters, a filter select and a filter chip, each time waiting until the table has settled. One
// round of those steps first, unmeasured, warms the server. Reports, per kind of step and over all
// of them: serverFn requests per navigation (every /_serverFn/ call the page makes, whatever it
// loads), p50/p95 of those requests' durations (request start to the last byte, as the browser
// timed them), p50/p95 of the whole navigation (from the action to the settled table), and over
// all of them the PostgreSQL transactions per navigation (pg_stat_database, net of what the idle
// hub does meanwhile); with the machine's load average at the start.
//
// Usage: pnpm bench:inventory:navigation [--no-build] [--navigations=40] [--hub-dir=<dir>]
//        (or pnpm bench:inventory ... --navigation, after the list benchmark)
//        --hub-dir runs the server already built in another checkout's hub app (<dir>/.output), to
//        compare a change with the code before it; nothing is built then.
//        PG tx/nav is over all navigations only: counting needs 10 s pauses, which each step would multiply.
//        TEST_DATABASE_URL selects the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
// The build and the run hold /tmp/hub-build.lock, so a parallel build cannot swap the server mid-run.
import { execFileSync, spawnSync } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';
import { seedDemoRealm } from '../../packages/nhi/src/demo/index.ts';
import { loadConfig, startPlatform } from '../../packages/platform/src/index.ts';
import { registerPolicy } from '../../packages/policy/src/index.ts';
import { freshDatabase, percentile, startBuiltHub, transactionsDuring } from './built-hub.ts';

const root = path.resolve(import.meta.dirname, '../..');
const lockFile = '/tmp/hub-build.lock';

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined;
const hubDir = option('hub-dir') ? path.resolve(option('hub-dir') as string) : undefined;
const build = !args.includes('--no-build') && hubDir === undefined;
const navigations = Number(option('navigations') ?? 40);

const adminEmail = 'admin@nhi.local';
const adminPassword = 'bench-navigation-admin-password';
/** No job active for this long: the demo import's alert evaluation is over. */
const jobsQuietMs = 10_000;
/** No serverFn call for this long after the table stopped being busy: the navigation is over. */
const networkQuietMs = 150;
const stepTimeoutMs = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The steps: one round leaves the filters as it found them, so rounds repeat; the sort and the
// search term rotate, so every step changes the URL.

interface Step {
  kind: string;
  act(page: Page, round: number): Promise<unknown>;
}

const sorts = ['lastUsedAt', 'kind', 'oldestCredentialAge', 'provider', 'updatedAt'];
/** Application names the demo identities are named after: each search finds some. */
const searchTerms = ['payments', 'billing', 'orders', 'search', 'ledger'];

const click = (testId: string) => (page: Page) => page.getByTestId(testId).click();

const steps: Step[] = [
  {
    kind: 'sort select',
    act: (page, round) => page.getByTestId('sort-select').selectOption(sorts[round % sorts.length] as string),
  },
  { kind: 'sort direction', act: click('sort-direction') },
  { kind: 'next page', act: click('page-next') },
  { kind: 'next page', act: click('page-next') },
  { kind: 'previous page', act: click('page-previous') },
  {
    kind: 'search (typed)',
    act: (page, round) =>
      page.getByTestId('inventory-search').fill(searchTerms[round % searchTerms.length] as string),
  },
  { kind: 'search cleared', act: (page) => page.getByTestId('inventory-search').fill('') },
  { kind: 'quick filter', act: click('quick-unowned') },
  { kind: 'filter select', act: (page) => page.getByTestId('filter-environment').selectOption('production') },
  { kind: 'quick filter', act: click('quick-unowned') },
  {
    kind: 'filter chip removed',
    act: (page) => page.getByRole('button', { name: 'Remove filter Environment: Production' }).click(),
  },
];

// ---------------------------------------------------------------------------------------------
// The serverFn calls of the page, gathered per navigation.

interface Call {
  /** The serverFn's id, from its URL. */
  id: string;
  /** From the request's start to the last byte of its answer, in ms (the browser's timing). */
  ms: number;
  /** No answer, or an error status. */
  failed: boolean;
}

class ServerFnCalls {
  private inFlight = 0;
  /** When a serverFn call last started or ended (performance.now()). */
  lastEventAt = 0;
  private current: Call[] = [];

  constructor(page: Page) {
    const prefix = '/_serverFn/';
    const isServerFn = (request: Request) => new URL(request.url()).pathname.startsWith(prefix);
    const statuses = new WeakMap<Request, number>();
    page.on('response', (response) => statuses.set(response.request(), response.status()));
    page.on('request', (request) => {
      if (!isServerFn(request)) return;
      this.inFlight++;
      this.lastEventAt = performance.now();
    });
    const done = (request: Request, failed: boolean) => {
      if (!isServerFn(request)) return;
      this.inFlight--;
      this.lastEventAt = performance.now();
      const { responseEnd } = request.timing();
      const id = new URL(request.url()).pathname.slice(prefix.length);
      this.current.push({
        id,
        ms: failed || responseEnd < 0 ? Number.NaN : responseEnd,
        failed: failed || (statuses.get(request) ?? 0) >= 400,
      });
    };
    page.on('requestfinished', (request) => done(request, false));
    page.on('requestfailed', (request) => done(request, true));
  }

  /** The calls finished since the last take. */
  take(): Call[] {
    const calls = this.current;
    this.current = [];
    return calls;
  }

  quiet(): boolean {
    return this.inFlight === 0 && performance.now() - this.lastEventAt >= networkQuietMs;
  }
}

interface Navigation {
  kind: string;
  calls: Call[];
  ms: number;
}

/**
 * One step, done once its URL changed, no serverFn call is under way or follows shortly, and the
 * table (or the empty state that replaces it) is no longer marked busy.
 */
async function navigate(page: Page, calls: ServerFnCalls, step: Step, round: number): Promise<Navigation> {
  calls.take();
  const before = page.url();
  const started = performance.now();
  await step.act(page, round);
  await page.waitForURL((url) => url.href !== before, { timeout: stepTimeoutMs });
  const busy = page.locator(
    '[data-testid=inventory-table][aria-busy=true], [data-testid=inventory-refreshing]',
  );
  let idleSince: number | undefined;
  for (;;) {
    idleSince = (await busy.count()) > 0 ? undefined : (idleSince ?? performance.now());
    if (idleSince !== undefined && calls.quiet()) break;
    if (performance.now() - started > stepTimeoutMs) throw new Error(`${step.kind}: did not settle`);
    await sleep(20);
  }
  // Over when the table stopped being busy or the last call ended, whichever came later.
  const ms = Math.max(idleSince, calls.lastEventAt) - started;
  return { kind: step.kind, calls: calls.take(), ms };
}

async function walk(page: Page, calls: ServerFnCalls, count: number, firstRound: number) {
  const done: Navigation[] = [];
  for (let i = 0; i < count; i++) {
    const step = steps[i % steps.length] as Step;
    done.push(await navigate(page, calls, step, firstRound + Math.floor(i / steps.length)));
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// The hub, its database and the browser.

/**
 * What the hub's first start with NHI_DEMO_DATA does (migrations, first admin, demo realm),
 * through the same services the hub runs, so the hub starts on a ready realm.
 */
async function prepare(env: Record<string, string>): Promise<void> {
  const config = loadConfig({ ...env, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' });
  const runtime = await startPlatform({ config, modules: [registerPolicy], printFirstStartNotice: () => {} });
  try {
    await seedDemoRealm(runtime.root, { adminEmail, onlyIfNew: true });
  } finally {
    await runtime.shutdown();
  }
}

/**
 * The serverFns' names by id, from the manifest the build writes into its server chunks, so the
 * report can say what the page called; an id not found there is shown shortened.
 */
function serverFnNames(appDir: string): Map<string, string> {
  const chunks = path.join(appDir, '.output/server/_ssr');
  const names = new Map<string, string>();
  const entry = /"([0-9a-f]{16,})": \{\s*functionName: "(\w+?)(?:_createServerFn_handler)?"/g;
  for (const file of readdirSync(chunks).filter((name) => name.endsWith('.mjs'))) {
    for (const [, id, name] of readFileSync(path.join(chunks, file), 'utf8').matchAll(entry)) {
      names.set(id as string, name as string);
    }
  }
  return names;
}

/** Jobs running in the hub right now, from its metrics (which touch no database). */
async function activeJobs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const lines = text.split('\n').filter((line) => line.startsWith('nhi_jobs_active'));
  return lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The demo import's alert evaluation runs in the background: measure after it, not during it. */
async function waitForJobs(url: string): Promise<void> {
  const started = performance.now();
  let quietSince: number | undefined;
  while (performance.now() - started < 600_000) {
    const active = await activeJobs(url).catch(() => 1);
    quietSince = active > 0 ? undefined : (quietSince ?? performance.now());
    if (quietSince !== undefined && performance.now() - quietSince >= jobsQuietMs) return;
    await sleep(250);
  }
  throw new Error('the start-up jobs did not settle within 10 minutes');
}

function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Logs in through the login page, switches to the demo realm and opens the inventory, hydrated. */
async function openInventory(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((target) => target.pathname === '/');
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
  await page.getByTestId('realm-switcher').selectOption('demo');
  await page.waitForFunction(
    () =>
      (document.querySelector('[data-testid=realm-switcher]') as HTMLSelectElement | null)?.value === 'demo',
  );
  await page.goto('/inventory');
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
  await page.getByTestId('inventory-row').first().waitFor();
  return page;
}

async function measure() {
  const database = await freshDatabase('postgres', 'nhi_bench_navigation');
  try {
    const env = { NHI_DATA_DIR: database.dataDir, DATABASE_URL: database.url as string };
    console.log('Preparing the demo realm…');
    await prepare(env);
    const logFile = path.join(os.tmpdir(), 'nhi-bench-navigation.log');
    const hub = await startBuiltHub({
      env: { ...env, NHI_ADMIN_PASSWORD: adminPassword, NHI_DEMO_DATA: 'true' },
      stderr: openSync(logFile, 'w'),
      hubDir,
    });
    const browser = await launchBrowser();
    try {
      console.log('Waiting for the start-up jobs…');
      await waitForJobs(hub.url);
      const page = await openInventory(browser, hub.url);
      const calls = new ServerFnCalls(page);
      console.log(`Warming up: ${steps.length} navigations…`);
      await walk(page, calls, steps.length, 0);
      const machineLoad = os.loadavg();
      let measured: Navigation[] = [];
      console.log(`Measuring ${navigations} navigations…`);
      const transactions = await transactionsDuring(database.name as string, async () => {
        measured = await walk(page, calls, navigations, 1);
      });
      return { machineLoad, measured, transactions };
    } finally {
      await browser.close();
      await hub.stop();
    }
  } finally {
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------

const sorted = (values: number[]) => values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
const fixed = (value: number) => value.toFixed(0);

function stepRow(label: string, done: Navigation[], transactions?: number) {
  const calls = done.flatMap((navigation) => navigation.calls);
  const durations = sorted(calls.map((call) => call.ms));
  const times = sorted(done.map((navigation) => navigation.ms));
  return {
    step: label,
    navigations: done.length,
    'serverFn/nav': (calls.length / done.length).toFixed(2),
    failed: calls.filter((call) => call.failed).length,
    'serverFn p50 ms': fixed(percentile(durations, 50)),
    'serverFn p95 ms': fixed(percentile(durations, 95)),
    'nav p50 ms': fixed(percentile(times, 50)),
    'nav p95 ms': fixed(percentile(times, 95)),
    'PG tx/nav': transactions === undefined ? '' : (transactions / done.length).toFixed(1),
  };
}

function functionRows(done: Navigation[]) {
  const names = serverFnNames(hubDir ?? path.join(root, 'apps/hub'));
  const byId = new Map<string, Call[]>();
  for (const call of done.flatMap((navigation) => navigation.calls)) {
    byId.set(call.id, [...(byId.get(call.id) ?? []), call]);
  }
  return [...byId].map(([id, calls]) => {
    const durations = sorted(calls.map((call) => call.ms));
    return {
      serverFn: names.get(id) ?? `${id.slice(0, 12)}…`,
      'calls/nav': (calls.length / done.length).toFixed(2),
      'p50 ms': fixed(percentile(durations, 50)),
      'p95 ms': fixed(percentile(durations, 95)),
    };
  });
}

function report({ machineLoad, measured, transactions }: Awaited<ReturnType<typeof measure>>) {
  console.log(
    `\nInventory navigation, demo realm on PostgreSQL, ${hubDir ? `the hub built in ${hubDir}` : 'this checkout'}: ` +
      `${measured.length} navigations; load average at start ${machineLoad.map((l) => l.toFixed(2)).join(' ')} ` +
      `(${os.cpus().length} cores)\n`,
  );
  const kinds = [...new Set(measured.map((navigation) => navigation.kind))];
  console.table([
    ...kinds.map((kind) =>
      stepRow(
        kind,
        measured.filter((navigation) => navigation.kind === kind),
      ),
    ),
    stepRow('all', measured, transactions),
  ]);
  console.log('serverFn calls by function:');
  console.table(functionRows(measured));
}

async function main() {
  if (build) {
    console.log('Building the hub for production…');
    execFileSync('pnpm', ['--filter', '@nhi/hub', 'build'], { cwd: root, stdio: 'ignore' });
  }
  report(await measure());
}

// The whole run holds the build lock: nobody rebuilds the server while it is measured.
if (process.env.NHI_BENCH_NAVIGATION_LOCKED !== '1') {
  const locked = spawnSync(
    'flock',
    [lockFile, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, NHI_BENCH_NAVIGATION_LOCKED: '1' } },
  );
  process.exit(locked.status ?? 1);
} else {
  await main();
}
