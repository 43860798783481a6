import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { temporaryDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub } from './support/session.ts';

describe('scanner in a browser', () => {
  it('uploads a credential report, follows the scan to its end, and finds the identities in the inventory', async () => {
    const dataDir = await temporaryDataDir();
    const report = path.join(dataDir, 'credential-report.csv');
    await fs.writeFile(
      report,
      [
        credentialReportHeader,
        machineUserRow('e2e-deployer'),
        machineUserRow('e2e-builder'),
        'broken,row',
      ].join('\n'),
    );
    const page = await openPage(await startReadyHub(dataDir));
    const cspViolations = collectCspViolations(page);

    await logIn(page);

    await page.getByTestId('nav-sources').click();
    await page.locator('[data-testid=add-source-form][data-ready=true]').waitFor();
    await page.getByTestId('source-type').selectOption('aws_iam');
    await page.getByTestId('source-name').fill('prod account');
    await page.getByTestId('add-source-submit').click();
    const row = page.getByTestId('source-row-prod account');
    await row.waitFor();

    await row.getByTestId('scan-file-input').setInputFiles(report);
    await row.getByTestId('scan-file-submit').click();
    await page.waitForURL('**/scans/**');
    await expect.poll(() => page.getByTestId('scan-detail').getAttribute('data-state')).toBe('succeeded');
    expect(await page.getByTestId('count-new').textContent()).toBe('2');
    expect(await page.getByTestId('scan-items').textContent()).toBe('2 / 2');
    expect(await page.getByTestId('scan-warnings').textContent()).toContain('has 2 columns, the header 22');
    await screenshot(page, 'scan-detail');

    await page.getByTestId('nav-inventory').click();
    await page.waitForURL('**/inventory');
    await page.getByTestId('inventory-table').waitFor();
    await expect.poll(() => page.getByTestId('inventory-table').textContent()).toContain('e2e-deployer');
    expect(await page.getByTestId('inventory-table').textContent()).toContain('e2e-builder');

    await page.getByTestId('nav-scans').click();
    await page.getByTestId('scans-table').waitFor();
    expect(await page.getByTestId('scans-table').textContent()).toContain('credential-report.csv');
    expect(cspViolations).toEqual([]);
  });

  it('edits a source keeping its stored credentials, and deletes it after confirmation', async () => {
    const dataDir = await temporaryDataDir();
    const page = await openPage(await startReadyHub(dataDir));

    await logIn(page);

    await page.getByTestId('nav-sources').click();
    const addForm = page.locator('[data-testid=add-source-form][data-ready=true]');
    await addForm.waitFor();
    await page.getByTestId('source-type').selectOption('github');
    await page.getByTestId('source-name').fill('acme org');
    await addForm.locator('input[name="secret.token"]').fill('ghp_e2eNotARealToken000000000000000000');
    await page.getByTestId('add-source-submit').click();
    const row = page.getByTestId('source-row-acme org');
    await row.waitFor();
    expect(await row.textContent()).toContain('credentials: token');

    await row.getByTestId('edit-source').click();
    const form = row.getByTestId('edit-source-form');
    await form.locator('input[name="name"]').fill('acme organisation');
    await form.locator('select[name="environment"]').selectOption('production');
    await form.locator('input[name="schedule"]').fill('0 3 * * *');
    await form.getByTestId('edit-source-submit').click();
    const edited = page.getByTestId('source-row-acme organisation');
    await edited.waitFor();
    const text = await edited.textContent();
    expect(text).toContain('production');
    expect(text).toContain('0 3 * * *');
    // The token field was left blank: the stored token is kept.
    expect(text).toContain('credentials: token');

    await edited.getByTestId('delete-source').click();
    await edited.getByTestId('confirm-delete-source').click();
    await edited.waitFor({ state: 'detached' });
    expect(await page.getByTestId('sources-table').textContent()).toContain('No sources yet.');
  });
});
