import { describe, expect, it, onTestFinished } from 'vitest';
import { collectCspViolations, launchBrowser, screenshot } from './support/browser.ts';
import { startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword, seedDemo, temporaryDataDir } from './support/seed.ts';

async function setup() {
  const dataDir = await temporaryDataDir();
  await seedDemo(dataDir);
  const hub = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
  onTestFinished(async () => {
    await hub.stop();
  });
  await waitForReady(hub.url);
  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: hub.url, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cspViolations = collectCspViolations(page);
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('nav-whoami').click();
  await page.waitForURL('**/me');
  await page.getByTestId('whoami-email').waitFor();
  await page.getByTestId('realm-switcher').selectOption('demo');
  await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe('demo');
  return { page, cspViolations };
}

describe('alerts in a browser', () => {
  it('shows the alerts an evaluation raises; an analyst acknowledges one and suppresses another until a date', async () => {
    const { page, cspViolations } = await setup();
    await page.getByTestId('nav-alerts').click();
    await page.waitForURL('**/alerts');
    await page.getByTestId('alerts-table').waitFor();

    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);

    const first = rows.nth(0);
    const firstId = await first.getAttribute('data-alert-id');
    await first.getByRole('checkbox').check();
    await page.getByTestId('acknowledge-alerts').click();
    const acknowledged = page.locator(`[data-alert-id="${firstId}"]`);
    await expect.poll(() => acknowledged.getByTestId('alert-state').textContent()).toBe('acknowledged');

    const second = rows.nth(1);
    const secondId = await second.getAttribute('data-alert-id');
    expect(secondId).not.toBe(firstId);
    await second.getByRole('checkbox').check();
    await page.getByTestId('suppress-alerts').click();
    await page.getByTestId('suppress-reason').fill('Owner is rotating it this sprint');
    await page.getByTestId('suppress-until').fill('2099-01-31');
    await page.getByTestId('suppress-confirm').click();
    const suppressed = page.locator(`[data-alert-id="${secondId}"]`);
    await expect.poll(() => suppressed.getByTestId('alert-state').textContent()).toBe('suppressed');

    await suppressed.getByRole('link').first().click();
    await page.getByTestId('alert-page').waitFor();
    expect(await page.getByTestId('alert-page').getAttribute('data-state')).toBe('suppressed');
    await expect
      .poll(() => page.getByTestId('alert-history').textContent())
      .toMatch(/suppressed · user · Owner is rotating it/);
    expect(await page.getByTestId('alert-remediation').textContent()).not.toBe('');
    await screenshot(page, 'alert-suppressed');
    expect(cspViolations).toEqual([]);
  });
});
