// Web benchmark of the dashboard: builds the hub for production (skip with --no-build), starts it
// on a fresh embedded database with the demo realm (NHI_DEMO_DATA), logs in with headless chromium,
// switches to the demo realm, then loads the dashboard N times in new tabs and reports: the JS the
// first load fetched (gzip bytes of each script file, as a server with compression sends it), the JS
// of the whole app, first contentful paint, and time to interactive (the end of the last long task
// after DOMContentLoaded, or DOMContentLoaded when there is none, and never before the first
// contentful paint, as Lighthouse counts it; measured once the page is hydrated).
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
    const login = await context.newPage();
    await login.goto('/login');
    await login.locator('[data-testid=login-form][data-ready=true]').waitFor();
    await login.getByLabel('Email').fill('admin@nhi.local');
    await login.getByLabel('Password').fill(adminPassword);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.waitForURL((target) => target.pathname === '/');
    await login.getByTestId('realm-switcher').selectOption('demo');
    await login.waitForFunction(
      () => document.querySelector('[data-testid=realm-switcher]')?.value === 'demo',
    );
    await login.close();

    const results = [];
    for (let run = 0; run < runs + 1; run++) {
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
        }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto('/', { waitUntil: 'load' });
      await page.getByTestId('dashboard').waitFor();
      // Hydrated: the refresh button reacts (its handler is React's, not the server HTML's).
      await page.locator('[data-testid=chart-by-kind]').waitFor();
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
      if (run > 0) results.push(timing); // the first load warms the server's caches
    }
    const initial = new Set(results.flatMap((result) => result.scripts));
    const initialKb = [...initial].reduce((sum, file) => sum + gzipKb(path.join(publicDir, file)), 0);
    const fcp = median(results.map((result) => result.fcp));
    const tti = median(results.map((result) => result.tti));
    const verdict = (value, target) => (value < target ? 'met' : 'MISSED');
    console.log(
      `\nDashboard of the demo realm, production build, headless chromium, median of ${runs} loads\n`,
    );
    console.log(
      `initial JS (first load, gzip):   ${initialKb.toFixed(1)} KB in ${initial.size} files   target < ${targets.initialKb} KB: ${verdict(initialKb, targets.initialKb)}`,
    );
    console.log(`whole app JS (gzip):             ${appKb.toFixed(1)} KB in ${scripts.length} files`);
    console.log(
      `first contentful paint:          ${fcp.toFixed(0)} ms   target < ${targets.fcpMs} ms: ${verdict(fcp, targets.fcpMs)}`,
    );
    console.log(
      `time to interactive:             ${tti.toFixed(0)} ms   target < ${targets.ttiMs} ms: ${verdict(tti, targets.ttiMs)}`,
    );
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
