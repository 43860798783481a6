// Web benchmark of the pages people open most: the dashboard, the inventory and an identity's page.
// Builds the hub for production (skip with --no-build), starts it on a fresh embedded database with
// the demo realm (NHI_DEMO_DATA), logs in with headless chromium, then loads each page of the demo
// realm N times in new tabs and reports, one line per page: the JS its first load fetched (gzip bytes
// of each script file, as a server with compression sends it), first contentful paint, and time to
// interactive (the end of the last long task after DOMContentLoaded, or DOMContentLoaded when there is
// none, and never before the first contentful paint, as Lighthouse counts it; measured once the page
// is hydrated). The JS of the whole app is reported once.
// Targets: initial JS < 300 KB gzip, FCP < 1 s, TTI < 2 s.
//
// Usage: pnpm bench:web [runs=5] [--no-build]
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '../..');
const hubDir = path.join(root, 'apps/hub');
const server = path.join(hubDir, '.output/server/index.mjs');
const publicDir = path.join(hubDir, '.output/public');
// The browser driver is the hub's test dependency.
const { chromium } = createRequire(path.join(hubDir, 'package.json'))('playwright-core');
const args = process.argv.slice(2);
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5);
const build = !args.includes('--no-build');
const adminPassword = 'bench-web-admin-password';
const targets = { initialKb: 300, fcpMs: 1000, ttiMs: 2000 };

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const gzipKb = (file) => gzipSync(readFileSync(file), { level: 6 }).length / 1024;

async function waitFor(url, deadlineMs = 120_000) {
  const started = performance.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (performance.now() - started > deadlineMs) throw new Error(`${url} not ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Page URLs carry their realm: the demo realm's pages, whichever realm the login lands in.
const demo = '/r/demo';

async function logIn(context) {
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill('admin@nhi.local');
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((target) => target.pathname.startsWith('/r/'));
  await page.close();
}

/** The pages measured, each with what shows it has its data; the identity is the inventory's first. */
async function benchPages(context) {
  const page = await context.newPage();
  await page.goto(`${demo}/inventory`);
  const identityPath = await page
    .locator('[data-testid=inventory-table] a.nhi-name')
    .first()
    .getAttribute('href');
  await page.close();
  if (!identityPath) throw new Error('the demo realm has no identity to open');
  return [
    { name: 'dashboard', path: demo, ready: '[data-testid=chart-by-kind]' },
    { name: 'inventory', path: `${demo}/inventory`, ready: '[data-testid=inventory-row]' },
    { name: 'identity', path: identityPath, ready: '[data-testid=nhi-name]' },
  ];
}

/** One load in a new tab: its timings and the scripts fetched before the load event. */
async function loadOnce(context, { path: pagePath, ready }) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(pagePath, { waitUntil: 'load' });
  await page.locator(ready).first().waitFor();
  // Hydrated: React has taken the server's HTML over (the root sets this once it has).
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
  await page.waitForTimeout(500);
  const timing = await page.evaluate(() => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN;
    const lastLongTask = Math.max(0, ...window.__longTasks);
    const scripts = performance
      .getEntriesByType('resource')
      .filter((entry) => entry.name.endsWith('.js') && entry.startTime <= navigation.loadEventEnd)
      .map((entry) => new URL(entry.name).pathname);
    return { fcp, tti: Math.max(fcp, navigation.domContentLoadedEventEnd, lastLongTask), scripts };
  });
  await page.close();
  return timing;
}

/** Medians over `runs` loads of one page, after a first load that warms the server's caches. */
async function measure(context, benchPage) {
  const results = [];
  for (let run = 0; run < runs + 1; run++) {
    const timing = await loadOnce(context, benchPage);
    if (run > 0) results.push(timing);
  }
  const initial = new Set(results.flatMap((result) => result.scripts));
  return {
    initialKb: [...initial].reduce((sum, file) => sum + gzipKb(path.join(publicDir, file)), 0),
    initialFiles: initial.size,
    fcp: median(results.map((result) => result.fcp)),
    tti: median(results.map((result) => result.tti)),
  };
}

const verdict = (value, target) => (value < target ? 'met' : 'MISSED');

function report(rows, appKb, appFiles) {
  console.log(`\nDemo realm, production build, headless chromium, median of ${runs} loads per page`);
  console.log(
    `targets: initial JS < ${targets.initialKb} KB gzip, FCP < ${targets.fcpMs} ms, TTI < ${targets.ttiMs} ms\n`,
  );
  console.log(`${'page'.padEnd(11)}${'initial JS (gzip)'.padEnd(29)}${'FCP'.padEnd(16)}TTI`);
  for (const row of rows) {
    const js = `${row.initialKb.toFixed(1)} KB in ${row.initialFiles} files`;
    console.log(
      [
        row.name.padEnd(11),
        `${js.padEnd(22)} ${verdict(row.initialKb, targets.initialKb).padEnd(6)}`,
        `${`${row.fcp.toFixed(0)} ms`.padEnd(8)} ${verdict(row.fcp, targets.fcpMs).padEnd(7)}`,
        `${`${row.tti.toFixed(0)} ms`.padEnd(8)} ${verdict(row.tti, targets.ttiMs)}`,
      ].join(''),
    );
  }
  console.log(`\nwhole app JS (gzip): ${appKb.toFixed(1)} KB in ${appFiles} files`);
}

async function main() {
  if (build) {
    console.log('Building the hub for production…');
    execFileSync('pnpm', ['--filter', '@nhi/hub', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const scripts = filesUnder(publicDir).filter((file) => file.endsWith('.js'));
  const appKb = scripts.reduce((sum, file) => sum + gzipKb(file), 0);

  const dataDir = await mkdtemp(path.join(tmpdir(), 'nhi-bench-web-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [server], {
    cwd: hubDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NHI_DATA_DIR: dataDir,
      NHI_ADMIN_PASSWORD: adminPassword,
      NHI_DEMO_DATA: 'true',
    },
    stdio: 'ignore',
  });
  const browser = await chromium.launch({
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
  try {
    await waitFor(`${url}/readyz`);
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 900 } });
    await logIn(context);
    const pages = await benchPages(context);
    const rows = [];
    for (const benchPage of pages)
      rows.push({ name: benchPage.name, ...(await measure(context, benchPage)) });
    report(rows, appKb, scripts.length);
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
