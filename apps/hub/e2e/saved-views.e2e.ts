import { AlertService } from '@nhi/alert';
import { RealmAdminService } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { memberEmail, memberPassword, seedDemo, seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, switchToDemoRealm, visit } from './support/session.ts';

/** The demo realm with its alerts evaluated, and a viewer in it besides the admin. */
async function seedDemoAlertsAndMember(dataDir: string): Promise<void> {
  await seedDemo(dataDir);
  await withSeedingRuntime(dataDir, async (runtime) => {
    const { realm } = await runtime.root.resolve(RealmAdminService).createUser({
      email: memberEmail,
      realmSlug: 'demo',
      role: 'viewer',
      password: memberPassword,
    });
    await (await seedingScope(runtime, realm)).container.resolve(AlertService).evaluateNow();
  });
}

// The admin's shared view is of the alert queue and deleted at the end of its test; the member's
// is of the inventory and their own: neither test sees the other's, so they share a hub.
const sharedHub = hubForFile(seedDemoAlertsAndMember);

const onAlerts = (url: URL) => url.pathname.endsWith('/alerts');

async function shownAlertIds(page: Page): Promise<string[]> {
  await page.getByTestId('alerts-table').waitFor();
  return page
    .getByTestId('alert-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-alert-id') ?? ''));
}

/** The severities of the alerts on screen, each once. */
async function shownSeverities(page: Page): Promise<string[]> {
  const severities = await page
    .getByTestId('alert-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-severity') ?? ''));
  return [...new Set(severities)];
}

/** Whether the rows on screen run from the highest risk score down (a risk sort shows them so). */
async function sortedByRisk(page: Page): Promise<boolean> {
  const risks = (await page.getByTestId('alert-risk').allTextContents()).map(Number);
  return risks.length > 1 && risks.every((risk, index) => index === 0 || risk <= (risks[index - 1] ?? risk));
}

async function openViewsMenu(page: Page): Promise<void> {
  await page.getByTestId('views-button').click();
  await page.getByTestId('views-menu').waitFor();
}

describe('saved views in a browser', () => {
  it('saves a filtered alert queue as a shared view, applies it again, and shows it to another member', async () => {
    const { hub } = await sharedHub();
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    await switchToDemoRealm(page);
    await visit(page, '/alerts');

    // Filter the queue to high severity, sorted by risk.
    await page.getByTestId('alert-severity-filter').selectOption('high');
    await page.waitForURL((url) => onAlerts(url) && url.searchParams.get('severity') === 'high');
    // The filter bar builds on the search it shows: sort once the filtered list is on screen.
    await expect.poll(() => shownSeverities(page)).toEqual(['high']);
    await page.getByTestId('alert-sort').selectOption('risk');
    await page.waitForURL((url) => onAlerts(url) && url.searchParams.get('sort') === 'risk');
    // The address changes before the rows do: wait for the rows in risk order.
    await expect.poll(() => sortedByRisk(page)).toBe(true);
    expect(await shownSeverities(page)).toEqual(['high']);
    const filteredUrl = new URL(page.url());
    const filteredIds = await shownAlertIds(page);

    // Save it, shared with the realm; the menu is checked for accessibility while open.
    await openViewsMenu(page);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'saved-views-menu');
    await page.getByTestId('save-view').click();
    await page.getByTestId('view-name-input').fill('High by risk');
    await page.getByTestId('view-shared').check();
    await page.getByTestId('save-view-submit').click();
    await page.getByTestId('save-view-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('views-button').textContent()).toContain('High by risk');

    // Reset: the page no longer shows the view.
    await page.getByTestId('alert-filters-clear').click();
    await page.waitForURL((url) => onAlerts(url) && !url.searchParams.has('severity'));
    await expect.poll(() => page.getByTestId('views-button').textContent()).not.toContain('High by risk');

    // Applied again from the menu by keyboard: the same address and the same alerts.
    await page.getByTestId('views-button').focus();
    await page.keyboard.press('Enter');
    const item = page.getByTestId('view-item').filter({ hasText: 'High by risk' });
    await item.waitFor();
    await expect.poll(() => item.evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => onAlerts(url) && url.searchParams.get('severity') === 'high');
    expect(new URL(page.url()).search).toBe(filteredUrl.search);
    await expect.poll(() => shownAlertIds(page)).toEqual(filteredIds);
    await expect.poll(() => page.getByTestId('views-button').textContent()).toContain('High by risk');
    await screenshot(page, 'saved-views-applied');

    // Another member of the realm sees the shared view and applies it; sharing is not theirs to offer.
    const member = await openPage(hub);
    const memberCsp = collectCspViolations(member);
    await logIn(member, memberEmail, memberPassword);
    await visit(member, '/alerts');
    await openViewsMenu(member);
    await member.getByTestId('view-item').filter({ hasText: 'High by risk' }).click();
    await member.waitForURL((url) => onAlerts(url) && url.search === filteredUrl.search);
    await expect.poll(() => shownAlertIds(member)).toEqual(filteredIds);
    await openViewsMenu(member);
    expect(await member.getByTestId('view-delete').count()).toBe(0);
    await member.getByTestId('save-view').click();
    await member.getByTestId('view-name-input').waitFor();
    expect(await member.getByTestId('view-shared').count()).toBe(0);
    await member.keyboard.press('Escape');

    // The admin deletes it after confirming; it goes for everyone.
    await openViewsMenu(page);
    await page.getByTestId('view-delete').click();
    await page.getByTestId('view-delete-confirm').click();
    await page.getByTestId('delete-view-dialog').waitFor({ state: 'detached' });
    await openViewsMenu(page);
    await expect.poll(() => page.getByTestId('view-item').count()).toBe(0);

    expect(cspViolations).toEqual([]);
    expect(memberCsp).toEqual([]);
  });

  it('keeps an inventory view of its own for a member and applies it', async () => {
    const page = await openPage((await sharedHub()).hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page, memberEmail, memberPassword);
    await visit(page, '/inventory?provider=%5B%22aws%22%5D');
    await page.getByTestId('inventory-page').waitFor();
    const filtered = new URL(page.url()).search;

    await openViewsMenu(page);
    await page.getByTestId('save-view').click();
    await page.getByTestId('view-name-input').fill('AWS');
    await page.getByTestId('save-view-submit').click();
    await page.getByTestId('save-view-dialog').waitFor({ state: 'detached' });
    await visit(page, '/inventory');
    await openViewsMenu(page);
    await page.getByTestId('view-item').filter({ hasText: 'AWS' }).click();

    await page.waitForURL((url) => url.pathname.endsWith('/inventory') && url.search === filtered);
    await expect.poll(() => page.getByTestId('views-button').textContent()).toContain('AWS');
    expect(cspViolations).toEqual([]);
  });
});
