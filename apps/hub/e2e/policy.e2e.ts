import type { Browser, Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collectCspViolations, launchBrowser, screenshot } from './support/browser.ts';
import { startHubProcess, waitForReady } from './support/hub-process.ts';
import {
  adminEmail,
  adminPassword,
  memberEmail,
  memberPassword,
  seedPolicyRealm,
  temporaryDataDir,
} from './support/seed.ts';

async function setup() {
  const dataDir = await temporaryDataDir();
  await seedPolicyRealm(dataDir);
  const hub = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
  onTestFinished(async () => {
    await hub.stop();
  });
  await waitForReady(hub.url);
  const browser = await launchBrowser();
  const admin = await logIn(browser, hub.url, adminEmail, adminPassword);
  const member = await logIn(browser, hub.url, memberEmail, memberPassword);
  return { admin, member };
}

/** Each person in a browser context of their own: separate cookies, separate sessions. */
async function logIn(browser: Browser, baseURL: string, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return page;
}

/** What the member's requests are allowed, as the who-am-I page lists it after a fresh load. */
async function memberPermissions(member: Page): Promise<string[]> {
  await member.goto('/me');
  await member.getByTestId('whoami-permissions').waitFor();
  return member.getByTestId('whoami-permissions').locator('li').allTextContents();
}

function inADay(): string {
  return new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 16);
}

describe('access control in a browser', () => {
  it('gives a member access through a subgroup assignment with expiry, and takes it away on revoke', async () => {
    const { admin, member } = await setup();
    const cspViolations = collectCspViolations(admin);
    expect(await memberPermissions(member)).not.toContain('policy:read');
    await member.goto('/policy/groups');
    await member.getByTestId('policy-failed').waitFor();

    await admin.getByTestId('nav-policy').click();
    await admin.waitForURL('**/policy/groups**');
    await admin.locator('[data-testid=group-link][data-group=Security]').click();
    await admin.locator('[data-testid=group-detail][data-group=Security]').waitFor();
    await admin.getByTestId('new-group-name').fill('AppSec');
    await admin.getByTestId('create-group').click();
    await admin.locator('[data-testid=group-detail][data-group=AppSec]').waitFor();

    await admin.getByTestId('add-member').selectOption({ label: memberEmail });
    await admin.getByTestId('add-member-submit').click();
    await admin.locator(`[data-testid=group-member][data-email="${memberEmail}"]`).waitFor();

    await admin.getByTestId('open-assign').click();
    await admin.getByTestId('assign-policy').selectOption({ label: 'Policy admin' });
    await admin.getByTestId('assign-reason').fill('Runs the AppSec team');
    await admin.getByTestId('assign-expires').fill(inADay());
    await admin.getByTestId('assign-submit').click();
    const assignment = admin.locator('[data-testid=assignment][data-policy="Policy admin"]');
    await assignment.waitFor();
    expect(await assignment.getAttribute('data-inherited')).toBe('false');
    expect(await assignment.locator('time').count()).toBe(1);
    await screenshot(admin, 'policy-groups');

    expect(await memberPermissions(member)).toEqual(expect.arrayContaining(['policy:read', 'policy:admin']));
    await member.goto('/policy/groups');
    await member.getByTestId('group-tree').waitFor();
    await member.goto('/policy/access');
    // The page may open on the member already; the poll below waits for their permissions either way.
    await member.getByTestId('access-user').selectOption({ label: `${memberEmail} (viewer)` });
    const row = member.locator('[data-testid=access-row][data-permission="policy:admin"]');
    await expect
      .poll(() => row.getByTestId('grant').allTextContents())
      .toEqual([expect.stringMatching(/^Policy admin on AppSec · until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/)]);
    expect(await row.getAttribute('data-allowed')).toBe('true');

    await admin.getByTestId('revoke-assignment').click();
    await assignment.waitFor({ state: 'detached' });

    expect(await memberPermissions(member)).not.toContain('policy:read');
    await member.goto('/policy/groups');
    await member.getByTestId('policy-failed').waitFor();

    await admin.getByTestId('nav-policy-audit').click();
    await admin.waitForURL('**/policy/audit');
    await admin.getByTestId('policy-audit-entry').first().waitFor();
    const actions = await admin
      .getByTestId('policy-audit-entry')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions).toEqual(
      expect.arrayContaining([
        'policy.group.create',
        'policy.member.add',
        'policy.assignment.create',
        'policy.assignment.revoke',
      ]),
    );
    expect(cspViolations).toEqual([]);
  });
});
