import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { memberEmail, memberPassword, seededDataDir, seedPolicyRealm } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

async function setup() {
  const { dataDir } = await seededDataDir(seedPolicyRealm);
  const hub = await startReadyHub(dataDir);
  // Each person in a browser context of their own: separate cookies, separate sessions.
  const viewport = { width: 1280, height: 900 };
  const admin = await openPage(hub, { viewport });
  await logIn(admin);
  const member = await openPage(hub, { viewport });
  await logIn(member, memberEmail, memberPassword);
  return { admin, member };
}

/** What the member's requests are allowed, as the who-am-I page lists it after a fresh load. */
async function memberPermissions(member: Page): Promise<string[]> {
  await visit(member, '/me');
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
    await visit(member, '/policy/groups');
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
    await visit(member, '/policy/groups');
    await member.getByTestId('group-tree').waitFor();
    await visit(member, '/policy/access');
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
    await visit(member, '/policy/groups');
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

  it('lets an administrator change what a custom policy grants, and records the change', async () => {
    const { admin } = await setup();
    const cspViolations = collectCspViolations(admin);
    await visit(admin, '/policy/policies');
    const form = admin.getByTestId('policy-form');
    await form.getByLabel('Name').fill('Inventory stewards');
    await form.getByLabel('nhi:read', { exact: true }).check();
    await form.getByRole('button', { name: 'Create policy' }).click();
    const row = admin.locator('[data-testid=policy-row][data-policy="Inventory stewards"]');
    await expect.poll(() => row.locator('code').allTextContents()).toEqual(['nhi:read']);

    await row.getByTestId('edit-policy').click();
    await expect.poll(() => form.getByLabel('nhi:read', { exact: true }).isChecked()).toBe(true);
    await form.getByLabel('nhi:write', { exact: true }).check();
    await form.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => row.locator('code').allTextContents()).toEqual(['nhi:read', 'nhi:write']);
    await screenshot(admin, 'policy-edited');

    // Scoped to a team: the grant reaches only the identities owned by Security's subtree.
    await visit(admin, '/policy/groups');
    await admin.locator('[data-testid=group-link][data-group=Security]').click();
    await admin.locator('[data-testid=group-detail][data-group=Security]').waitFor();
    await admin.getByTestId('open-assign').click();
    await admin.getByTestId('assign-policy').selectOption({ label: 'Inventory stewards' });
    await admin.getByTestId('assign-reason').fill('Security answers for its own identities');
    await admin.getByTestId('assign-scope').selectOption({ label: 'Identities owned by Security and below' });
    await admin.getByTestId('assign-submit').click();
    const scoped = admin.locator('[data-testid=assignment][data-policy="Inventory stewards"]');
    await expect.poll(() => scoped.getByTestId('assignment-scope').textContent()).toBe('Security');

    await visit(admin, '/policy/audit');
    await admin.getByTestId('policy-audit-entry').first().waitFor();
    const actions = await admin
      .getByTestId('policy-audit-entry')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['policy.policy.create', 'policy.policy.update']));
    expect(cspViolations).toEqual([]);
  });
});
