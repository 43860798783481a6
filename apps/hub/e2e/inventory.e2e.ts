import fs from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { parseCsv } from './support/csv.ts';
import { hubForFile } from './support/file-hub.ts';
import { adminEmail, demoFilter, emptyDataDir, seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';

// For the tests that only read the demo realm; those that change it start a hub of their own.
const readOnlyHub = hubForFile(seedDemo);

async function setup({ readOnly = false } = {}) {
  const { hub, expected } = readOnly
    ? await readOnlyHub().then(({ hub, value }) => ({ hub, expected: value }))
    : await seededDataDir(seedDemo).then(async ({ dataDir, value }) => ({
        hub: await startReadyHub(dataDir),
        expected: value,
      }));
  const page = await openPage(hub, { acceptDownloads: true });
  const cspViolations = collectCspViolations(page);
  return { context: page.context(), page, cspViolations, expected };
}

async function logInToDemoInventory(page: Page) {
  await logIn(page);
  await switchToDemoRealm(page);
  await page.getByTestId('nav-inventory').click();
  await page.waitForURL('**/inventory');
  await page.getByTestId('inventory-table').waitFor();
}

const total = (page: Page) => page.getByTestId('inventory-total').textContent();

/** The realms the admin can switch to, after logging in to a hub started with `env`. */
async function realmsOffered(env: Record<string, string>): Promise<string[]> {
  const page = await openPage(await startReadyHub(await emptyDataDir(), env));
  await logIn(page);
  await page.getByTestId('dashboard').waitFor();
  return page
    .getByTestId('realm-switcher')
    .locator('option')
    .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
}

describe('demo realm', () => {
  it('is there after a first start with NHI_DEMO_DATA (the quick start), and not after a production start', async () => {
    // Empty reads as unset: whatever the shell running the tests exported does not count.
    expect(await realmsOffered({ NHI_DEMO_DATA: '' })).toEqual(['hub']);
    expect(await realmsOffered({ NHI_DEMO_DATA: 'true' })).toEqual(['demo', 'hub']);
  });
});

describe('inventory in a browser', () => {
  it('filters and searches the demo realm, with the count the service gives, and exports it as CSV', async () => {
    const { page, cspViolations, expected } = await setup({ readOnly: true });
    await logInToDemoInventory(page);
    expect(await total(page)).toBe(String(expected.total));
    expect(await page.getByTestId('owner-unowned').count()).toBeGreaterThan(0);
    await screenshot(page, 'inventory-demo');

    await page.getByTestId('filter-provider').selectOption(demoFilter.provider[0]);
    await page.getByTestId('inventory-search').fill(demoFilter.q);
    await expect.poll(() => total(page)).toBe(String(expected.filteredTotal));
    const url = new URL(page.url());
    expect(url.searchParams.get('q')).toBe(demoFilter.q);
    expect(url.searchParams.get('provider')).toContain('aws');
    expect(await page.getByTestId('active-filters').textContent()).toContain('Provider: AWS');
    await screenshot(page, 'inventory-filtered');

    await page.reload();
    await page.getByTestId('inventory-table').waitFor();
    expect(await total(page)).toBe(String(expected.filteredTotal));
    expect(await page.getByTestId('inventory-search').inputValue()).toBe(demoFilter.q);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const [header, ...rows] = parseCsv(await fs.readFile(await download.path(), 'utf8'));
    const column = (name: string) => header?.indexOf(name) ?? -1;
    expect(rows).toHaveLength(expected.filteredTotal);
    expect(rows.every((row) => row[column('provider')] === 'aws')).toBe(true);
    expect(
      rows.every((row) =>
        `${row[column('name')]} ${row[column('externalId')]} ${row[column('description')]}`
          .toLowerCase()
          .includes('prod'),
      ),
    ).toBe(true);
    expect(cspViolations).toEqual([]);
  });

  it('creates an identity, adds a credential whose secret is never shown, and resolves edit conflicts between two tabs', async () => {
    const { context, page, cspViolations } = await setup();
    await logInToDemoInventory(page);
    await page.getByTestId('new-nhi').click();
    await page.waitForURL('**/inventory/new');
    await page.locator('[data-testid=create-nhi-form][data-ready=true]').waitFor();

    await page.getByTestId('create-nhi').click();
    await page.getByTestId('error-externalId').waitFor();
    expect(await page.getByTestId('field-name').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('field-kind').selectOption('api_key');
    await page.getByTestId('field-provider').selectOption('other');
    await page.getByTestId('field-externalId').fill('stripe/e2e-checkout-key');
    await page.getByTestId('field-name').fill('stripe-api-key/checkout-e2e');
    await page.getByTestId('field-tags').fill('team:checkout, bad tag!');
    await page.getByTestId('field-tags').blur();
    await page.getByTestId('error-tags').waitFor();
    await screenshot(page, 'inventory-create-invalid');
    await page.getByTestId('field-tags').fill('team:checkout pci');
    await page.getByTestId('create-nhi').click();
    await page.waitForURL(/\/inventory\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('nhi-name').textContent()).toBe('stripe-api-key/checkout-e2e');
    expect(await page.getByTestId('nhi-owner').textContent()).toContain('Unowned');
    const detailUrl = page.url();

    const secret = `sk_live_e2e${'x7Kq'.repeat(6)}Zt9W`;
    expect(await page.getByTestId('credential-secret').getAttribute('type')).toBe('password');
    await page.getByTestId('credential-secret').fill(secret);
    await page.getByTestId('credential-expires').fill('2030-01-31');
    await page.getByTestId('add-credential').click();
    await page.getByTestId('credential-row').waitFor();
    expect(await page.getByTestId('credential-hint').textContent()).toBe('…Zt9W');
    expect(await page.getByTestId('credential-secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'nhi-detail');

    const otherTab = await context.newPage();
    const otherCsp = collectCspViolations(otherTab);
    await visit(page, `${detailUrl}/edit`);
    await visit(otherTab, `${detailUrl}/edit`);
    await page.locator('[data-testid=edit-nhi-form][data-ready=true]').waitFor();
    await otherTab.locator('[data-testid=edit-nhi-form][data-ready=true]').waitFor();

    await page.getByTestId('field-description').fill('Checkout charges cards with it.');
    await page.getByTestId('save-nhi').click();
    await page.waitForURL(detailUrl);
    await otherTab.getByTestId('field-environment').selectOption('staging');
    await otherTab.getByTestId('save-nhi').click();

    const conflict = otherTab.getByTestId('conflict-dialog');
    await conflict.waitFor();
    expect(
      await conflict.locator('[data-testid=conflict-field][data-field=description]').textContent(),
    ).toContain('Checkout charges cards with it.');
    expect(
      await conflict.locator('[data-testid=conflict-field][data-field=environment]').textContent(),
    ).toContain('Staging');
    await screenshot(otherTab, 'inventory-conflict');
    await otherTab.getByTestId('conflict-overwrite').click();
    await otherTab.waitForURL(detailUrl);
    expect(await otherTab.getByTestId('nhi-environment').textContent()).toBe('Staging');
    expect(await otherTab.getByTestId('nhi-description').textContent()).toBe(
      'Checkout charges cards with it.',
    );
    expect(await otherTab.getByTestId('history-entry').count()).toBeGreaterThanOrEqual(3);
    expect(await otherTab.content()).not.toContain(secret);

    await visit(page, `${detailUrl}/edit`);
    await visit(otherTab, `${detailUrl}/edit`);
    await page.locator('[data-testid=edit-nhi-form][data-ready=true]').waitFor();
    await otherTab.locator('[data-testid=edit-nhi-form][data-ready=true]').waitFor();
    await page.getByTestId('field-name').fill('stripe-api-key/checkout');
    await page.getByTestId('save-nhi').click();
    await page.waitForURL(detailUrl);
    await otherTab.getByTestId('field-name').fill('a name that loses');
    await otherTab.getByTestId('save-nhi').click();
    await otherTab.getByTestId('conflict-dialog').waitFor();
    await otherTab.getByTestId('conflict-reload').click();

    await otherTab.getByTestId('conflict-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => otherTab.getByTestId('field-name').inputValue()).toBe('stripe-api-key/checkout');
    expect(page.url()).toBe(detailUrl);
    expect([...cspViolations, ...otherCsp]).toEqual([]);
  });

  it('gives selected identities an owner at once, and lists the rows an import rejects with their lines', async () => {
    const { page, cspViolations } = await setup();
    await logInToDemoInventory(page);
    await page.getByTestId('quick-unowned').click();
    await expect.poll(() => page.getByTestId('active-filters').textContent()).toContain('Owner: Unowned');
    const unowned = Number(await total(page));

    const rows = page.getByTestId('inventory-row');
    const chosen = [
      await rows.nth(0).getAttribute('data-nhi-name'),
      await rows.nth(1).getAttribute('data-nhi-name'),
    ];
    await rows.nth(0).getByTestId('select-row').check();
    await rows.nth(1).getByTestId('select-row').check();
    expect(await page.getByTestId('bulk-count').textContent()).toBe('2 selected');
    await page.getByTestId('bulk-owner').selectOption({ label: adminEmail });
    await page.getByTestId('bulk-add-tag').fill('triaged');
    await screenshot(page, 'inventory-bulk');
    await page.getByTestId('bulk-apply').click();
    await expect.poll(() => page.getByTestId('inventory-notice').textContent()).toBe('Updated 2 identities.');
    await expect.poll(() => total(page)).toBe(String(unowned - 2));
    expect(await page.locator(`[data-testid=inventory-row][data-nhi-name="${chosen[0]}"]`).count()).toBe(0);

    await page.getByTestId('open-import').click();
    const csv =
      'kind,provider,externalId,name\nbot,slack,B-import-1,imported-bot\nrobot,slack,B-import-2,bad-kind\n';
    await page
      .getByTestId('import-file')
      .setInputFiles({ name: 'bots.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-errors').waitFor();
    expect(await page.getByTestId('import-summary').textContent()).toContain('Nothing was imported');
    expect(await page.getByTestId('import-error').count()).toBe(1);
    expect(await page.getByTestId('import-error').locator('td').first().textContent()).toBe('3');
    await screenshot(page, 'inventory-import-errors');
    await page.getByTestId('import-skip-invalid').check();
    await page.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('import-summary').textContent()).toContain('1 created');
    expect(cspViolations).toEqual([]);
  });

  it('stays usable on a narrow screen', async () => {
    const { page, cspViolations } = await setup({ readOnly: true });
    // The realm is chosen at desktop width (on a phone the switcher sits behind the header's menu).
    await logInToDemoInventory(page);
    await page.setViewportSize({ width: 390, height: 844 });

    await page.getByTestId('quick-unowned').click();
    await expect.poll(() => page.getByTestId('active-filters').textContent()).toContain('Owner: Unowned');
    const rows = page.getByTestId('inventory-row');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=inventory-row]:not([data-unowned=true])').count()).toBe(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'inventory-narrow');
    expect(cspViolations).toEqual([]);
  });
});
