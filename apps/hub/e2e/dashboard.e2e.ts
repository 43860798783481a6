import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';

// The tests read the demo realm, and evaluating its alerts again opens nothing new: they share a
// hub, apart from the one that reads how old the figures a hub computed at its start are.
const sharedHub = hubForFile(seedDemo);

async function setup({ freshHub = false } = {}) {
  const hub = freshHub
    ? await startReadyHub((await seededDataDir(seedDemo)).dataDir)
    : (await sharedHub()).hub;
  const page = await openPage(hub, { viewport: { width: 1280, height: 900 } });
  const cspViolations = collectCspViolations(page);
  return { page, cspViolations };
}

/** Logs in (the dashboard is the landing page) and switches to the demo realm. */
async function openDemoDashboard(page: Page) {
  await logIn(page);
  await page.getByTestId('dashboard').waitFor();
  await switchToDemoRealm(page);
  await openDashboard(page);
  await expect
    .poll(async () => Number(await page.getByTestId('figure-total-value').textContent()))
    .toBeGreaterThan(0);
}

/** Opens alerts for the demo realm's identities, so the risk charts and the posture have something to say. */
async function evaluateAlerts(page: Page) {
  await visit(page, '/alerts');
  await page.getByTestId('evaluate-alerts').click();
  await expect.poll(() => page.getByTestId('alerts-message').textContent()).toMatch(/Evaluated: \d+ opened/);
  await openDashboard(page);
}

/** The dashboard of the realm the session works in, reached as a user does: from the header. */
async function openDashboard(page: Page) {
  await page.getByTestId('nav-dashboard').click();
  await page.getByTestId('fix-first').waitFor();
}

const inventoryTotal = async (page: Page) => {
  const text = (await page.getByTestId('inventory-total').textContent()) ?? '';
  return Number(text.replace(/\D/g, ''));
};

const chartIds = ['by-kind', 'by-provider', 'by-environment', 'by-owasp', 'credential-age', 'risk-levels'];

/** Waits until the chart module has drawn the chart's bars. */
async function chartDrawn(page: Page, id: string) {
  await page.locator(`[data-testid=chart-${id}] .recharts-bar-rectangle path`).first().waitFor();
}

/** The counts of a chart's table rows, top to bottom (the chart draws its bars in the same order). */
async function tableCounts(page: Page, id: string): Promise<number[]> {
  const rows = page.locator(`[data-testid=table-${id}] tbody tr`);
  return (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-count')))).map(Number);
}

describe('dashboard in a browser', () => {
  it('draws every chart with its bars largest first, and a click on a bar opens the inventory with its count', async () => {
    const { page, cspViolations } = await setup();
    await openDemoDashboard(page);
    await evaluateAlerts(page);

    for (const id of chartIds) await chartDrawn(page, id);
    await screenshot(page, 'dashboard-demo');
    for (const id of ['by-kind', 'by-provider', 'by-environment', 'by-owasp']) {
      const counts = await tableCounts(page, id);
      expect(counts.length).toBeGreaterThan(0);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    }
    expect(await page.locator('[data-testid=table-by-owasp] tbody th').first().textContent()).toMatch(
      /^NHI\d+ [A-Z][a-z]+/,
    );
    const largest = (await tableCounts(page, 'by-kind'))[0];
    await page.locator('[data-testid=chart-by-kind] .recharts-bar-rectangle path').first().click();
    await page.waitForURL('**/inventory?**');
    await page.getByTestId('inventory-table').waitFor();

    expect(largest).toBeGreaterThan(0);
    await expect.poll(() => inventoryTotal(page)).toBe(largest);
    expect(cspViolations).toEqual([]);
  });

  it('reaches the list behind a bar from the keyboard through the chart’s table of links', async () => {
    const { page, cspViolations } = await setup();
    await openDemoDashboard(page);
    await chartDrawn(page, 'by-kind');

    // The drawing is hidden from assistive technology: the table is the way in.
    expect(await page.getByTestId('chart-by-kind').getAttribute('aria-hidden')).toBe('true');
    const firstRow = page.locator('[data-testid=table-by-kind] tbody tr').first();
    const count = Number(await firstRow.getAttribute('data-count'));
    const link = firstRow.getByRole('link');
    expect(await link.getAttribute('aria-label')).toMatch(/^.+: \d+$/);
    const tableWidth = () =>
      firstRow.evaluate((row) => (row.closest('.dash-table') as HTMLElement).getBoundingClientRect().width);
    expect(await tableWidth()).toBeLessThanOrEqual(1);
    await link.focus();
    await expect.poll(tableWidth).toBeGreaterThan(100);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/inventory?**');
    await page.getByTestId('inventory-table').waitFor();

    await expect.poll(() => inventoryTotal(page)).toBe(count);
    expect(cspViolations).toEqual([]);
  });

  it('judges the realm against the ten OWASP NHI risks and shows what to fix first at full width', async () => {
    const { page, cspViolations } = await setup();
    await openDemoDashboard(page);
    await evaluateAlerts(page);

    const posture = page.locator('[data-testid=owasp-posture] tbody tr');
    await expect.poll(() => posture.count()).toBe(10);
    expect(await posture.first().locator('th').textContent()).toBe('NHI1 Improper Offboarding');
    // Every risk has rules now; the demo realm holds no CI trust finding.
    expect(await page.getByTestId('posture-NHI6').getAttribute('data-status')).toBe('pass');
    const failed = page.locator('[data-testid=owasp-posture] tr[data-status=fail]');
    expect(await failed.count()).toBeGreaterThan(0);
    const fixFirst = page.getByTestId('fix-first');
    await fixFirst.locator('tbody tr').first().waitFor();
    expect(await fixFirst.getByTestId('fix-first-factor').first().textContent()).not.toMatch(/nhi\d+\./);
    const {
      card,
      table,
      page: pageWidth,
    } = await fixFirst.evaluate((section) => ({
      card: section.getBoundingClientRect().width,
      table: (section.querySelector('table') as HTMLElement).scrollWidth,
      page: (section.closest('.dashboard') as HTMLElement).getBoundingClientRect().width,
    }));
    expect(card).toBeGreaterThan(pageWidth * 0.95);
    expect(table).toBeLessThanOrEqual(card);
    await screenshot(page, 'dashboard-posture');

    const failedId = ((await failed.first().getAttribute('data-testid')) ?? '').replace('posture-', '');
    const alerts = Number(await page.getByTestId(`posture-${failedId}-alerts`).textContent());
    expect(alerts).toBeGreaterThan(0);
    await page.getByTestId(`posture-${failedId}-alerts`).click();
    await page.waitForURL(
      (url) => url.pathname.endsWith('/alerts') && url.searchParams.get('owasp') === failedId,
    );
    expect(cspViolations).toEqual([]);
  });

  it('has no serious or critical accessibility violation, as charts or as tables, light or dark', async () => {
    const { page } = await setup();
    await openDemoDashboard(page);
    await evaluateAlerts(page);
    for (const id of chartIds) await chartDrawn(page, id);

    expect(await axeViolations(page)).toEqual([]);
    await page.getByTestId('card-by-kind-as-table').click();
    await page.getByTestId('table-by-kind').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('waits for the second daily snapshot before drawing a trend, and keeps the chosen range in the URL', async () => {
    const { page, cspViolations } = await setup();
    await openDemoDashboard(page);

    expect(await page.getByTestId('trend-alerts-pending').textContent()).toMatch(
      /Trends appear after the second daily snapshot/,
    );
    expect(await page.locator('[data-testid=chart-trend-alerts]').count()).toBe(0);
    // The router marks the link of the page shown as current.
    expect(await page.getByTestId('trend-range-30').getAttribute('aria-current')).toBe('page');
    await page.getByTestId('trend-range-7').click();
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await page.reload();
    await page.getByTestId('dashboard').waitFor();

    expect(await page.getByTestId('trend-range-7').getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('card-trend-alerts').textContent()).toMatch(/Open alerts, last 7 days/);
    expect(cspViolations).toEqual([]);
  });

  it('keeps the environment filter in the URL, and its unowned figure matches the inventory', async () => {
    const { page, cspViolations } = await setup();
    await openDemoDashboard(page);

    await page.getByTestId('filter-environment').selectOption('production');
    await page.waitForURL((url) => url.searchParams.has('environment'));
    await page.reload();
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByTestId('filter-environment').inputValue()).toBe('production');
    const detail = (await page.getByTestId('figure-unowned').textContent()) ?? '';
    const unowned = Number(/(\d+) of/.exec(detail)?.[1]);
    await page.getByTestId('card-by-environment-as-table').click();
    await page.getByTestId('table-by-environment').waitFor();
    await screenshot(page, 'dashboard-production-table');
    await page.getByTestId('figure-unowned-value').click();
    await page.waitForURL('**/inventory?**');
    await page.getByTestId('inventory-table').or(page.getByTestId('inventory-empty')).first().waitFor();

    await expect.poll(() => inventoryTotal(page)).toBe(unowned);
    expect(cspViolations).toEqual([]);
  });

  it('says how fresh the figures are and refreshes them on demand', async () => {
    const { page } = await setup({ freshHub: true });
    await openDemoDashboard(page);

    await expect
      .poll(() => page.getByTestId('dashboard-updated').textContent())
      .toMatch(/Updated [1-9]\d* s ago/);
    await page.getByTestId('dashboard-refresh').click();

    await expect
      .poll(() => page.getByTestId('dashboard-updated').textContent())
      .toMatch(/Updated [0-2] s ago/);
  });
});
