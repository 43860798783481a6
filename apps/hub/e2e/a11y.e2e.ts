import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { artifactsDir } from './support/hub-process.ts';
import { seedDemo, seededDataDir, seedPolicyRealm, temporaryDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

const screenshotsDir = path.join(artifactsDir, 'screenshots');

const viewports = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;
type ViewportName = keyof typeof viewports;
const schemes = ['light', 'dark'] as const;

/** Wider than the viewport means the page scrolls sideways, which a phone user should never have to do. */
async function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/** Waits until the page has its data: hydrated, requests settled, no loading indicator left. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.locator('main').first().waitFor();
}

async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true });
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

  const report = path.join(artifactsDir, 'a11y-credential-report.csv');
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(report, [credentialReportHeader, machineUserRow('a11y-forgotten', false)].join('\n'));
  const source = await addSource(page, { type: 'aws_iam', name: 'a11y account' });
  await scanFile(page, source, report);
  const scanPath = new URL(page.url()).pathname;

  if (!alertPath || !identityPath) throw new Error('the demo realm has no alert or no identity to open');
  return { alertPath, identityPath, scanPath };
}

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
 * Visits every page once in `viewport` and looks at it in both colour schemes (the theme follows the
 * system's by default, so no reload is needed): axe, a screenshot, and on a phone the sideways check.
 */
async function auditPages(
  page: Page,
  pages: Record<string, string>,
  viewport: ViewportName,
): Promise<Findings> {
  const findings: Findings = { violations: {}, overflowing: [] };
  await page.setViewportSize(viewports[viewport]);
  for (const [name, pagePath] of Object.entries(pages)) {
    await page.emulateMedia({ colorScheme: 'light' });
    await visit(page, pagePath);
    await settle(page);
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      const key = `${name} ${viewport} ${scheme}`;
      const violations = await axeViolations(page);
      if (violations.length > 0) findings.violations[key] = violations;
      if (viewport === 'phone' && (await overflowsSideways(page))) findings.overflowing.push(key);
      await shoot(page, `${name}-${viewport}-${scheme}`);
    }
  }
  return findings;
}

/** Counts per page, for comparing runs, and every finding in full. */
function writeReport(viewport: ViewportName, findings: Findings): void {
  const counts = Object.fromEntries(
    Object.entries(findings.violations).map(([key, list]) => [key, list.length]),
  );
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(
    path.join(artifactsDir, `a11y-report-${viewport}.json`),
    `${JSON.stringify({ counts, ...findings }, null, 2)}\n`,
  );
}

/** The demo realm with alerts and a scan, every page of the app, and the login page for a visitor. */
async function everyPage(viewport: ViewportName) {
  const { dataDir } = await seededDataDir(seedDemo);
  const hub = await startReadyHub(dataDir);
  const page = await openPage(hub, { viewport: viewports[viewport] });
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await switchToDemoRealm(page);
  const pages = appPages(await prepareDemoRealm(page));
  const findings = await auditPages(page, pages, viewport);
  const visitor = await auditPages(await openPage(hub), { login: '/login' }, viewport);
  Object.assign(findings.violations, visitor.violations);
  findings.overflowing.push(...visitor.overflowing);
  writeReport(viewport, findings);
  return { findings, cspViolations };
}

/** A sweep over two dozen pages in two schemes takes minutes on a busy machine. */
const sweepTimeoutMs = 600_000;

describe('accessibility of every page', () => {
  it(
    'has no serious or critical axe violation on a desktop, light and dark',
    async () => {
      const { findings, cspViolations } = await everyPage('desktop');

      expect(findings.violations).toEqual({});
      expect(cspViolations).toEqual([]);
    },
    sweepTimeoutMs,
  );
});

/** Records the theme the root element has when the body starts: what the first paint shows. */
async function recordThemeAtFirstPaint(page: Page): Promise<void> {
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      (window as unknown as { themeAtFirstPaint: string }).themeAtFirstPaint =
        document.documentElement.dataset.theme ?? 'system';
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
}

const themeAtFirstPaint = (page: Page) =>
  page.evaluate(() => (window as unknown as { themeAtFirstPaint?: string }).themeAtFirstPaint);
// The page colour is painted by the root element, which holds the theme's tokens.
const pageBackground = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id);

describe('keyboard, themes and small screens', () => {
  it('skips to the content, remembers a chosen theme before the first paint, and serves an icon', async () => {
    const hub = await startReadyHub(await temporaryDataDir());
    const page = await openPage(hub, { viewport: viewports.desktop, colorScheme: 'light' });
    const cspViolations = collectCspViolations(page);
    await recordThemeAtFirstPaint(page);
    await logIn(page);

    await page.keyboard.press('Tab');
    expect(await focusedTestId(page)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await focusedTestId(page)).toBe('content');

    const lightBackground = await pageBackground(page);
    await page.getByTestId('theme-dark').click();
    expect(await page.getByTestId('theme-dark').getAttribute('aria-pressed')).toBe('true');
    const darkBackground = await pageBackground(page);
    expect(darkBackground).not.toBe(lightBackground);
    await page.reload();
    expect(await themeAtFirstPaint(page)).toBe('dark');
    expect(await pageBackground(page)).toBe(darkBackground);

    await page.getByTestId('theme-system').click();
    await page.reload();
    expect(await themeAtFirstPaint(page)).toBe('system');
    expect(await pageBackground(page)).toBe(lightBackground);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await pageBackground(page)).toBe(darkBackground);

    for (const icon of ['/favicon.ico', '/favicon.svg']) {
      const response = await fetch(`${hub.url}${icon}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\//);
    }
    expect(cspViolations).toEqual([]);
  });

  it('folds the header into a menu on a phone, which closes once a page is chosen', async () => {
    const page = await openPage(await startReadyHub(await temporaryDataDir()), { viewport: viewports.phone });
    await logIn(page);
    const menuButton = page.getByTestId('menu-button');

    const header = await page.getByRole('banner').boundingBox();
    expect(header?.height).toBeLessThanOrEqual(64);
    expect(await page.getByTestId('nav-inventory').isVisible()).toBe(false);
    expect(await menuButton.getAttribute('aria-expanded')).toBe('false');

    await menuButton.click();
    expect(await menuButton.getAttribute('aria-expanded')).toBe('true');
    await shoot(page, 'menu-open-phone-light');
    await page.getByTestId('nav-inventory').click();
    await page.waitForURL('**/inventory');

    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('nav-inventory').isVisible()).toBe(false);
  });

  it('traps focus in the assign dialog and closes it on Escape; it fits a phone', async () => {
    const { dataDir } = await seededDataDir(seedPolicyRealm);
    const page = await openPage(await startReadyHub(dataDir), { viewport: viewports.phone });
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    await visit(page, '/policy/groups');
    await page.locator('[data-testid=group-link][data-group=Security]').click();
    await page.locator('[data-testid=group-detail][data-group=Security]').waitFor();

    await page.getByTestId('open-assign').click();
    const dialog = page.getByRole('dialog', { name: 'Assign a policy to Security' });
    await dialog.waitFor();
    for (let press = 0; press < 8; press++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    }
    const box = await dialog.boundingBox();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(
      viewports.phone.width,
    );
    await shoot(page, 'assign-dialog-phone-light');
    await page.keyboard.press('Escape');

    await dialog.waitFor({ state: 'detached' });
    expect(cspViolations).toEqual([]);
  });
});
