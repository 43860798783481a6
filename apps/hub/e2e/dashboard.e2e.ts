import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub } from './support/session.ts';

async function setup() {
  const { dataDir } = await seededDataDir(seedDemo);
  const page = await openPage(await startReadyHub(dataDir), { viewport: { width: 1280, height: 900 } });
  const cspViolations = collectCspViolations(page);
  return { page, cspViolations };
}

/** Logs in (the dashboard is the landing page) and switches to the demo realm. */
async function openDemoDashboard(page: Page) {
  await logIn(page);
  await page.getByTestId('dashboard').waitFor();
  await page.getByTestId('realm-switcher').selectOption('demo');
  await expect
    .poll(async () => Number(await page.getByTestId('figure-total-value').textContent()))
    .toBeGreaterThan(0);
}

const inventoryTotal = async (page: Page) => {
  const text = (await page.getByTestId('inventory-total').textContent()) ?? '';
  return Number(text.replace(/\D/g, ''));
};

describe('dashboard in a browser', () => {
  it('opens on the demo realm’s figures and follows a chart bar into the inventory with its count', async () => {
    const { page, cspViolations } = await setup();

    await openDemoDashboard(page);
    const bar = page.locator('[data-testid=chart-by-kind] a').first();
    await bar.waitFor();
    await screenshot(page, 'dashboard-demo');
    const barCount = Number(await bar.getAttribute('data-count'));
    await bar.click();
    await page.waitForURL('**/inventory?**');
    await page.getByTestId('inventory-table').waitFor();

    expect(barCount).toBeGreaterThan(0);
    await expect.poll(() => inventoryTotal(page)).toBe(barCount);
    await screenshot(page, 'dashboard-kind-into-inventory');
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
    const { page } = await setup();
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
