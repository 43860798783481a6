import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collectCspViolations, launchBrowser, screenshot } from './support/browser.ts';
import { startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword, temporaryDataDir } from './support/seed.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2024-06-01T10:00:00Z,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

describe('scanner in a browser', () => {
  it('uploads a credential report, follows the scan to its end, and finds the identities in the inventory', async () => {
    const dataDir = await temporaryDataDir();
    const report = path.join(dataDir, 'credential-report.csv');
    await fs.writeFile(
      report,
      [header, machine('e2e-deployer'), machine('e2e-builder'), 'broken,row'].join('\n'),
    );
    const hub = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
    onTestFinished(async () => {
      await hub.stop();
    });
    await waitForReady(hub.url);
    const browser = await launchBrowser();
    const page = await (
      await browser.newContext({ baseURL: hub.url, viewport: { width: 1280, height: 800 } })
    ).newPage();
    const cspViolations = collectCspViolations(page);

    await page.goto('/login');
    await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/');

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
});
