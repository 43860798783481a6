import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { adminEmail, adminPassword, seedDemo } from './support/seed.ts';
import { openPage, switchToDemoRealm } from './support/session.ts';

// Each test acts on alerts it picks from the queue as it finds it, whatever the other did before:
// an acknowledged alert can still be resolved, and a suppressed one stays out of the queue when
// evaluated again. So they share a hub.
const sharedHub = hubForFile(seedDemo);

/**
 * Logs in and waits for the signed-in header rather than a landing URL, so the test holds whichever
 * page URL scheme (with or without the realm) the hub lands on.
 */
async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('nav-alerts').waitFor();
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
}

/** The alert list through the header's link, as a user gets there. */
async function openAlerts(page: Page): Promise<void> {
  await page.getByTestId('nav-alerts').click();
  await page.waitForURL('**/alerts');
  await page.getByTestId('alerts-table').waitFor();
}

const severityRank: Record<string, number> = { low: 0, medium: 1, high: 2, critical: 3 };

describe('alert triage in a browser', () => {
  it('sorts by severity, and triages by keyboard: j/k select, a acknowledges, ? lists the keys, Enter opens', async () => {
    const page = await openPage((await sharedHub()).hub);
    const cspViolations = collectCspViolations(page);
    await signIn(page);
    await switchToDemoRealm(page);
    await openAlerts(page);
    await page.getByTestId('alerts-table').waitFor();
    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(2);

    // Sorting by severity puts the worst first, on the server, and keeps the sort in the URL.
    const severities = async () =>
      (await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-severity') ?? ''))).map(
        (severity) => severityRank[severity] ?? -1,
      );
    const worst = Math.max(...(await severities()));
    await page.getByTestId('alert-sort').selectOption('severity');
    await page.waitForURL(
      (url) => url.pathname.endsWith('/alerts') && url.searchParams.get('sort') === 'severity',
    );
    // The page shown before may start with the worst too: wait for the whole page to be in order.
    await expect
      .poll(async () => {
        const shown = await severities();
        return shown.every((rank, index) => index === 0 || rank <= (shown[index - 1] ?? rank));
      })
      .toBe(true);
    expect((await severities())[0]).toBe(worst);
    expect(await rows.first().getAttribute('data-severity')).toBe('critical');

    // j and k move the selection; the selected row has the focus and says so.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const first = rows.nth(0);
    await expect.poll(() => first.getAttribute('aria-current')).toBe('true');
    expect(await rows.nth(1).getAttribute('aria-current')).toBeNull();
    expect(await first.evaluate((row) => row === document.activeElement)).toBe(true);
    await page.keyboard.press('j');
    const second = rows.nth(1);
    await expect.poll(() => second.getAttribute('aria-current')).toBe('true');
    const id = await second.getAttribute('data-alert-id');
    expect(await second.getByTestId('alert-state').textContent()).toBe('open');

    // a acknowledges the selected alert: its row changes state and stays in the queue.
    await page.keyboard.press('a');
    const acknowledged = page.locator(`[data-testid=alert-row][data-alert-id="${id}"]`);
    await expect.poll(() => acknowledged.getByTestId('alert-state').textContent()).toBe('acknowledged');
    expect(await page.getByTestId('alert-action-notice').textContent()).toBe('Acknowledged 1 alert.');

    // Keys typed into a field stay there.
    const search = page.getByTestId('alert-identity-search');
    await search.focus();
    await page.keyboard.type('jk');
    expect(await search.inputValue()).toBe('jk');
    await search.fill('');
    await acknowledged.focus();

    await page.keyboard.press('?');
    await page.getByTestId('shortcut-help').waitFor();
    expect(await page.getByTestId('shortcut-help').textContent()).toContain('Acknowledge');
    await screenshot(page, 'alert-triage');
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcut-help').waitFor({ state: 'detached' });

    // Enter opens the selected alert; its history says who acknowledged it.
    await acknowledged.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('alert-page').waitFor();
    expect(page.url()).toContain(id ?? 'missing');
    await expect
      .poll(() => page.getByTestId('alert-history').textContent())
      .toContain(`open → acknowledged · ${adminEmail}`);
    expect(cspViolations).toEqual([]);
  });

  it('resolves with a word on what happens next, and offers won’t fix instead', async () => {
    const page = await openPage((await sharedHub()).hub);
    await signIn(page);
    await switchToDemoRealm(page);
    await openAlerts(page);
    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);
    const total = Number(await page.getByTestId('alerts-total').textContent());

    await page.keyboard.press('j');
    const id = await rows.first().getAttribute('data-alert-id');
    await page.keyboard.press('r');
    const notice = page.getByTestId('resolve-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(
      'If the rule still matches at the next evaluation, it reopens',
    );
    // Resolved, the alert leaves the queue.
    await expect.poll(() => page.getByTestId('alerts-total').textContent()).toBe(String(total - 1));

    await page.getByTestId('wont-fix-until').fill('2099-01-31');
    await page.getByTestId('wont-fix-confirm').click();
    await expect
      .poll(() => page.getByTestId('alert-action-notice').textContent())
      .toMatch(/Suppressed 1 alert until 2099-01-31/);
    await page.getByTestId('alert-state-filter').selectOption('suppressed');
    const suppressed = page.locator(`[data-testid=alert-row][data-alert-id="${id}"]`);
    await expect.poll(() => suppressed.getByTestId('alert-state').textContent()).toBe('suppressed');
  });
});
