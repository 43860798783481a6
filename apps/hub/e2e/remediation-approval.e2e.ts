import { RealmAdminService } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seedLiveAwsSource, startAwsAccount } from './support/aws-account.ts';
import { axeViolations } from './support/axe.ts';
import { screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { logIn, openPage, visit } from './support/session.ts';

const approverEmail = 'approver@nhi.local';
const approverPassword = 'e2e-approver-password';

let account: Awaited<ReturnType<typeof startAwsAccount>> | undefined;
afterAll(async () => {
  await account?.iam.close();
});

/** The live AWS source (scanned once) and a second administrator who may approve what the first asks. */
const fileHub = hubForFile(async (dataDir) => {
  account = await startAwsAccount();
  const nhiId = await seedLiveAwsSource(dataDir, account.iam.endpoint, (runtime) =>
    runtime.root
      .resolve(RealmAdminService)
      .createUser({ email: approverEmail, realmSlug: 'hub', role: 'admin', password: approverPassword }),
  );
  return { nhiId, ...account };
});

/** Ticks a realm remediation setting and waits until the hub has stored it (the box follows the saved value). */
async function turnOn(page: Page, testId: 'remediation-enabled' | 'remediation-approval') {
  const box = page.getByTestId(testId);
  await box.click();
  await expect.poll(() => box.isChecked()).toBe(true);
}

/** The scans of the realm that have finished well, as the scans page lists them. */
async function succeededScans(page: Page): Promise<number> {
  await visit(page, '/scans');
  await page.getByTestId('scans-table').waitFor();
  return page.getByTestId('scans-table').getByTestId('scan-state').filter({ hasText: 'succeeded' }).count();
}

describe('remediation with approval in a browser', () => {
  it('waits for a second member’s approval, then deactivates the key at AWS and the re-scan shows it inactive', async () => {
    const { hub, value } = await fileHub();
    const { nhiId, iam, keys } = value;
    const updateCalls = () => iam.requests.filter((action) => action === 'UpdateAccessKey').length;

    // The administrator turns remediation on for the realm, each action waiting for a second member.
    const requester = await openPage(hub);
    await logIn(requester);
    await visit(requester, '/sources');
    await turnOn(requester, 'remediation-enabled');
    await turnOn(requester, 'remediation-approval');

    // The requester runs the dry run and asks for the deactivation: it waits, and they cannot approve it.
    await visit(requester, `/inventory/${nhiId}`);
    const panel = requester.getByTestId('remediation-panel');
    await panel.getByTestId('remediation-dry-run-aws.access_key.deactivate').first().click();
    const plan = panel.getByTestId('remediation-plan');
    await plan.waitFor();
    expect(await plan.getByTestId('remediation-summary').textContent()).toBe(
      'Access key AKIA…WXYZ of user ci-deploy becomes Inactive',
    );
    expect(await plan.getByTestId('remediation-run').textContent()).toBe('Request approval');
    await plan.getByTestId('remediation-run').click();
    const asked = panel.getByTestId('remediation-row');
    await asked.waitFor();
    expect(await asked.getAttribute('data-state')).toBe('awaiting_approval');
    expect(await asked.getByTestId('remediation-state').textContent()).toBe('Awaiting approval');
    expect(await panel.getByTestId('remediation-approve').count()).toBe(0);
    expect(await panel.textContent()).toContain('a second member approves');
    expect(updateCalls()).toBe(0);
    expect(keys[0]?.Status).toBe('Active');
    await screenshot(requester, 'remediation-awaiting-approval');
    expect(await axeViolations(requester)).toEqual([]);

    // A second administrator finds the request on the identity and approves it: it runs at AWS.
    const approver = await openPage(hub);
    await logIn(approver, approverEmail, approverPassword);
    await visit(approver, `/inventory/${nhiId}`);
    const waiting = approver
      .getByTestId('remediation-panel')
      .locator('[data-testid=remediation-row][data-state=awaiting_approval]');
    await waiting.getByTestId('remediation-approve').click();
    const decided = approver.getByTestId('remediation-row');
    await expect.poll(() => decided.getAttribute('data-state')).toBe('succeeded');
    expect(updateCalls()).toBe(1);
    expect(keys[0]?.Status).toBe('Inactive');
    expect(keys[1]?.Status).toBe('Active');

    // The re-scan reads the keys from AWS again; the identity then shows the key inactive.
    await expect.poll(() => succeededScans(approver), { timeout: 30_000, interval: 500 }).toBe(2);
    const afterUpdate = iam.requests.slice(iam.requests.indexOf('UpdateAccessKey') + 1);
    expect(afterUpdate).toContain('ListAccessKeys');
    await visit(requester, `/inventory/${nhiId}`);
    const key = requester.getByTestId('credential-row').filter({ hasText: 'AKIA…WXYZ' });
    expect(await key.getAttribute('data-status')).toBe('inactive');
    const spare = requester.getByTestId('credential-row').filter({ hasText: 'AKIA…ABCD' });
    expect(await spare.getAttribute('data-status')).toBe('active');
    const done = requester.getByTestId('remediation-panel').getByTestId('remediation-row');
    await expect.poll(() => done.getAttribute('data-state')).toBe('succeeded');
  });
});
