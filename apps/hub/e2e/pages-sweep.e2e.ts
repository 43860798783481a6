import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { artifactsDir } from './support/hub-process.ts';
import { seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

const viewports = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
type ViewportName = keyof typeof viewports;
const schemes = ['light', 'dark'] as const;

/** Wider than the window means the page scrolls sideways, which nobody should have to do on any screen. */
async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** Waits until the page has its data: hydrated, requests settled, the content in place. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.locator('main').first().waitFor();
}

/**
 * Gives the demo realm what the detail pages need: evaluated alerts and one finished scan. Answers
 * the paths of an identity, an alert and a scan.
 */
async function prepareDemoRealm(page: Page): Promise<Record<string, string>> {
  await visit(page, '/alerts');
  await page.getByTestId('evaluate-alerts').click();
  await expect.poll(() => page.getByTestId('alerts-message').textContent()).toMatch(/Evaluated: \d+ opened/);
  const alertPath = await page
    .getByTestId('alert-row')
    .first()
    .getByRole('link')
    .first()
    .getAttribute('href');

  await visit(page, '/inventory');
  const identityPath = await page
    .locator('[data-testid=inventory-table] a.nhi-name')
    .first()
    .getAttribute('href');

  const report = path.join(artifactsDir, 'sweep-credential-report.csv');
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(report, [credentialReportHeader, machineUserRow('sweep-forgotten', false)].join('\n'));
  const source = await addSource(page, { type: 'aws_iam', name: 'sweep account' });
  await scanFile(page, source, report);
  const scanPath = new URL(page.url()).pathname;

  if (!alertPath || !identityPath) throw new Error('the demo realm has no alert or no identity to open');
  return { alertPath, identityPath, scanPath };
}

/** Every page of the app, by the name its screenshots carry. */
function appPages(detail: Record<string, string>): Record<string, string> {
  return {
    dashboard: '/',
    inventory: '/inventory',
    'identity-detail': detail.identityPath as string,
    'identity-new': '/inventory/new',
    alerts: '/alerts',
    'alert-detail': detail.alertPath as string,
    rules: '/alerts/rules',
    channels: '/alerts/channels',
    sources: '/sources',
    scans: '/scans',
    'scan-detail': detail.scanPath as string,
    leaks: '/leaks',
    'policy-groups': '/policy/groups',
    'policy-policies': '/policy/policies',
    'policy-access': '/policy/access',
    'policy-who-can': '/policy/who-can',
    'policy-audit': '/policy/audit',
    tokens: '/tokens',
    users: '/users',
    me: '/me',
    'me-mfa': '/me/mfa',
    instances: '/instances',
  };
}

interface Findings {
  violations: Record<string, string[]>;
  overflowing: string[];
}

/**
 * Loads every page at `viewport`'s size (a phone loads a page at its own width, it is not resized
 * later) and looks at it in both colour schemes. With no stored choice the theme follows the system's,
 * so switching the emulated scheme repaints without a reload.
 */
async function auditPages(
  page: Page,
  pages: Record<string, string>,
  viewport: ViewportName,
  findings: Findings,
): Promise<void> {
  await page.setViewportSize(viewports[viewport]);
  for (const [name, pagePath] of Object.entries(pages)) {
    await page.emulateMedia({ colorScheme: 'light' });
    await visit(page, pagePath);
    await settle(page);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      const key = `${name}-${viewport}-${scheme}`;
      if (await overflowsSideways(page)) findings.overflowing.push(key);
      const violations = await axeViolations(page);
      if (violations.length > 0) findings.violations[key] = violations;
      await screenshot(page, key);
    }
  }
}

/** Counts per page, for comparing runs, every finding in full, and how long the sweep took. */
function writeReport(findings: Findings, seconds: number): void {
  const counts = Object.fromEntries(
    Object.entries(findings.violations).map(([key, list]) => [key, list.length]),
  );
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(
    path.join(artifactsDir, 'pages-sweep-report.json'),
    `${JSON.stringify({ seconds: Math.round(seconds), counts, ...findings }, null, 2)}\n`,
  );
}

/** A visitor's page, in a context of its own (no session) on the same browser. */
async function visitorPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  return context.newPage();
}

/** Two dozen pages, two widths, two schemes: minutes on a busy machine. */
const sweepTimeoutMs = 600_000;

describe('every page on a desktop and a phone, light and dark', () => {
  it(
    'never scrolls sideways and has no serious or critical axe violation',
    async () => {
      const started = performance.now();
      const { dataDir } = await seededDataDir(seedDemo);
      const hub = await startReadyHub(dataDir);
      const page = await openPage(hub, { viewport: viewports.desktop });
      const cspViolations = collectCspViolations(page);
      await logIn(page);
      await switchToDemoRealm(page);
      const pages = appPages(await prepareDemoRealm(page));
      const browser = page.context().browser();
      if (!browser) throw new Error('the page has no browser');
      const visitor = await visitorPage(browser, hub.url);

      const findings: Findings = { violations: {}, overflowing: [] };
      for (const viewport of Object.keys(viewports) as ViewportName[]) {
        await auditPages(page, pages, viewport, findings);
        await auditPages(visitor, { login: '/login' }, viewport, findings);
      }
      writeReport(findings, (performance.now() - started) / 1000);

      expect(findings.overflowing).toEqual([]);
      expect(findings.violations).toEqual({});
      expect(cspViolations).toEqual([]);
    },
    sweepTimeoutMs,
  );
});
