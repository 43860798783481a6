import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedAdminRealm, switchToRealm } from './support/realms.ts';
import { logIn, openPage, visit } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

/** The realm of the test that must find no source saved, apart from the hub realm the other fills. */
const connectionRealm = 'connection-tests';

// The test that saves a source works in the hub realm, the one that must not save any in a realm of
// its own: they share a hub.
const sharedHub = hubForFile(seedAdminRealm(connectionRealm));

describe('what a scan changed, in a browser', () => {
  it('lists what a second scan added, changed and no longer found, and opens the inventory on a count', async () => {
    const { hub, dataDir } = await sharedHub();
    const report = (...rows: string[]) => [credentialReportHeader, ...rows].join('\n');
    const first = path.join(dataDir, 'first-report.csv');
    const second = path.join(dataDir, 'second-report.csv');
    await fs.writeFile(first, report(machineUserRow('e2e-deployer'), machineUserRow('e2e-builder')));
    // The builder's key is now never used, the deployer is gone and a runner appears.
    await fs.writeFile(second, report(machineUserRow('e2e-builder', false), machineUserRow('e2e-runner')));
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    // A login lands in the realm last chosen, which the other test may have made its own.
    await switchToRealm(page, 'hub');

    const row = await addSource(page, { type: 'aws_iam', name: 'diff account' });
    await scanFile(page, row, first);
    expect(await page.getByTestId('diff-added-count').textContent()).toBe('2');
    expect(await page.getByTestId('scan-reading').textContent()).toContain('Read 2 credential report rows');

    await visit(page, '/sources');
    await scanFile(page, page.getByTestId('source-row-diff account'), second);
    expect(await page.getByTestId('diff-added-table').textContent()).toContain('e2e-runner');
    const changed = await page.getByTestId('diff-changed-table').textContent();
    expect(changed).toContain('e2e-builder');
    expect(changed).toContain('credential');
    expect(await page.getByTestId('diff-missing-table').textContent()).toContain('e2e-deployer');
    await screenshot(page, 'scan-diff');

    await page.getByTestId('diff-missing-count').click();
    await page.waitForURL(
      (url) => url.pathname.endsWith('/inventory') && url.search.includes('change=missing'),
    );
    await expect.poll(() => page.getByTestId('inventory-table').textContent()).toContain('e2e-deployer');
    const listed = await page.getByTestId('inventory-table').textContent();
    expect(listed).not.toContain('e2e-runner');
    expect(listed).not.toContain('e2e-builder');
    expect(await page.getByTestId('active-filters').textContent()).toContain('missing from scan');

    await visit(page, '/sources');
    await page.getByTestId('source-row-diff account').getByTestId('source-identity-count').click();
    await page.waitForURL((url) => url.pathname.endsWith('/inventory') && url.search.includes('source='));
    await expect.poll(() => page.getByTestId('inventory-table').textContent()).toContain('e2e-runner');
    expect(cspViolations).toEqual([]);
  });

  it('tests a live source’s connection from the add form without saving it', async () => {
    const page = await openPage((await sharedHub()).hub);
    await logIn(page);
    await switchToRealm(page, connectionRealm);
    await visit(page, '/sources');
    const form = page.locator('[data-testid=add-source-form][data-ready=true]');
    await form.waitFor();
    await page.getByTestId('source-type').selectOption('github');
    await form.locator('input[name="secret.token"]').fill('ghp_e2eNotARealToken000000000000000000');

    await page.getByTestId('test-connection').click();

    const result = page.getByTestId('connection-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.textContent()).toContain('Name the organisation');
    expect(await page.getByTestId('sources-table').textContent()).toContain('No sources yet.');
  });
});
