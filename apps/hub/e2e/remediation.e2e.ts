import { describe, expect, it, onTestFinished } from 'vitest';
import { seedLiveAwsSource, startAwsAccount } from './support/aws-account.ts';
import { axeViolations } from './support/axe.ts';
import { screenshot } from './support/browser.ts';
import { temporaryDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

/** The AWS account behind a fake IAM endpoint, closed when the test ends. */
async function startAccount() {
  const account = await startAwsAccount();
  onTestFinished(() => account.iam.close());
  return account;
}

describe('remediation in a browser', () => {
  it('deactivates an AWS key after its dry run, and the identity shows the key inactive', async () => {
    const { iam, keys } = await startAccount();
    const dataDir = await temporaryDataDir();
    const nhiId = await seedLiveAwsSource(dataDir, iam.endpoint);
    const page = await openPage(await startReadyHub(dataDir));
    await logIn(page);

    // An administrator turns remediation on for the realm; the source already allows it.
    await visit(page, '/sources');
    // The box follows the saved setting: it turns checked once the hub has stored it.
    await page.getByTestId('remediation-enabled').click();
    await expect.poll(() => page.getByTestId('remediation-enabled').isChecked()).toBe(true);

    await visit(page, `/inventory/${nhiId}`);
    const panel = page.getByTestId('remediation-panel');
    await panel.getByTestId('remediation-dry-run-aws.access_key.deactivate').first().click();
    const plan = panel.getByTestId('remediation-plan');
    await plan.waitFor();
    expect(await plan.getByTestId('remediation-summary').textContent()).toBe(
      'Access key AKIA…WXYZ of user ci-deploy becomes Inactive',
    );
    expect(await plan.textContent()).toContain('Last used 2026-11-20 · s3 · eu-west-1');
    expect(keys[0]?.Status).toBe('Active');
    await screenshot(page, 'remediation-dry-run');
    expect(await axeViolations(page)).toEqual([]);

    await plan.getByTestId('remediation-run').click();
    const row = panel.getByTestId('remediation-row');
    await row.waitFor();
    await expect.poll(() => row.getAttribute('data-state')).toBe('succeeded');
    expect(keys[0]?.Status).toBe('Inactive');
    // The inventory shows the key as AWS now has it, without a reload.
    const key = page.getByTestId('credential-row').filter({ hasText: 'AKIA…WXYZ' });
    await expect.poll(() => key.getAttribute('data-status')).toBe('inactive');
    expect(iam.requests).toContain('UpdateAccessKey');
  });
});
