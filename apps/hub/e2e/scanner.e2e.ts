import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedAdminRealm, switchToRealm } from './support/realms.ts';
import { logIn, openPage } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

/** The realm of the test that ends on an empty source list, apart from the hub realm the others fill. */
const editRealm = 'source-edits';

// The tests add sources of their own names and read only those, and the one that looks for an
// empty list works in a realm of its own: they share a hub.
const sharedHub = hubForFile(seedAdminRealm(editRealm));

describe('scanner in a browser', () => {
  it('uploads a credential report, follows the scan to its end, and finds the identities in the inventory', async () => {
    const { hub, dataDir } = await sharedHub();
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
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);

    await logIn(page);
    // A login lands in the realm last chosen, which another test may have made its own.
    await switchToRealm(page, 'hub');

    const row = await addSource(page, { type: 'aws_iam', name: 'prod account' });
    await scanFile(page, row, report);
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
    const page = await openPage((await sharedHub()).hub);

    await logIn(page);
    await switchToRealm(page, editRealm);

    const row = await addSource(page, {
      type: 'github',
      name: 'acme org',
      fillSettings: (form) =>
        form.locator('input[name="secret.token"]').fill('ghp_e2eNotARealToken000000000000000000'),
    });
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

  it('shows where a GitHub organisation sends its events, and lists a signed event with the scan it queued', async () => {
    const page = await openPage((await sharedHub()).hub);
    const webhookSecret = 'e2e-webhook-secret-not-real';
    await logIn(page);
    await switchToRealm(page, 'hub');
    const row = await addSource(page, {
      type: 'github',
      name: 'events org',
      fillSettings: async (form) => {
        await form.locator('input[name="setting.organization"]').fill('acme');
        await form.locator('input[name="secret.token"]').fill('ghp_e2eNotARealToken000000000000000000');
        await form.locator('input[name="secret.webhookSecret"]').fill(webhookSecret);
      },
    });

    await row.getByTestId('source-events-open').click();
    const urlOf = async () => (await row.getByTestId('source-webhook-url').textContent()) ?? '';
    await expect.poll(urlOf).toMatch(/\/api\/hooks\/sources\/[a-z0-9-]+\/[0-9a-f-]{36}$/);
    const url = await urlOf();
    expect(await row.getByTestId('source-events').textContent()).toContain('No event received yet.');

    const body = JSON.stringify({
      action: 'created',
      installation: { id: 42 },
      sender: { login: 'octocat' },
    });
    const signature = `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`;
    const send = (sig: string) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'installation',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': sig,
        },
      });
    expect((await send(`sha256=${'0'.repeat(64)}`)).status).toBe(401);
    expect((await send(signature)).status).toBe(202);

    await row.getByRole('button', { name: 'Close' }).click();
    await row.getByTestId('source-events-open').click();
    const event = row.getByTestId('source-event');
    await event.waitFor();
    expect(await event.textContent()).toContain('installation');
    expect(await event.textContent()).toContain('sender octocat');
    await event.getByRole('link', { name: 'queued scan' }).click();
    await page.waitForURL('**/scans/**');
    await page.getByTestId('scan-detail').waitFor();
  });
});
