import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { hubForFile } from './support/file-hub.ts';
import { switchToRealm } from './support/realms.ts';
import { adminEmail, seedDemo } from './support/seed.ts';
import { logIn, openPage, switchToDemoRealm, visit } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

// One test works in the demo realm, the other in the hub realm, which the demo seed leaves empty:
// neither sees the other's alerts, sources or channels, so they share a hub.
const sharedHub = hubForFile(seedDemo);

async function setup() {
  const page = await openPage((await sharedHub()).hub);
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await switchToDemoRealm(page);
  return { page, cspViolations };
}

describe('alerts in a browser', () => {
  it('shows the alerts an evaluation raises; an analyst acknowledges one and suppresses another until a date', async () => {
    const { page, cspViolations } = await setup();
    await page.getByTestId('nav-alerts').click();
    await page.waitForURL('**/alerts');
    await page.getByTestId('alerts-table').waitFor();

    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);
    const rows = page.getByTestId('alert-row');
    await expect.poll(() => rows.count()).toBeGreaterThan(1);

    const first = rows.nth(0);
    const firstId = await first.getAttribute('data-alert-id');
    await first.getByRole('checkbox').check();
    await page.getByTestId('acknowledge-alerts').click();
    const acknowledged = page.locator(`[data-alert-id="${firstId}"]`);
    await expect.poll(() => acknowledged.getByTestId('alert-state').textContent()).toBe('acknowledged');

    const second = rows.nth(1);
    const secondId = await second.getAttribute('data-alert-id');
    expect(secondId).not.toBe(firstId);
    await second.getByRole('checkbox').check();
    await page.getByTestId('suppress-alerts').click();
    await page.getByTestId('suppress-reason').fill('Owner is rotating it this sprint');
    await page.getByTestId('suppress-until').fill('2099-01-31');
    await page.getByTestId('suppress-confirm').click();
    // A suppressed alert leaves the triage queue; the state filter shows it.
    await expect.poll(() => page.locator(`[data-alert-id="${secondId}"]`).count()).toBe(0);
    await page.getByTestId('alert-state-filter').selectOption('suppressed');
    const suppressed = page.locator(`[data-alert-id="${secondId}"]`);
    await expect.poll(() => suppressed.getByTestId('alert-state').textContent()).toBe('suppressed');

    await suppressed.getByRole('link').first().click();
    await page.getByTestId('alert-page').waitFor();
    expect(await page.getByTestId('alert-page').getAttribute('data-state')).toBe('suppressed');
    await expect
      .poll(() => page.getByTestId('alert-history').textContent())
      .toContain(`suppressed · ${adminEmail} · Owner is rotating it`);
    expect(await page.getByTestId('alert-remediation').textContent()).not.toBe('');
    await screenshot(page, 'alert-suppressed');
    expect(cspViolations).toEqual([]);
  });

  it('raises alerts from an uploaded credential report; a channel’s routing is edited, a bad digest refused', async () => {
    const { hub, dataDir } = await sharedHub();
    const report = path.join(dataDir, 'credential-report.csv');
    await fs.writeFile(report, [credentialReportHeader, machineUserRow('e2e-forgotten', false)].join('\n'));
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    // A login lands in the realm last chosen, which the other test may have made the demo realm.
    await switchToRealm(page, 'hub');

    const source = await addSource(page, { type: 'aws_iam', name: 'prod account' });
    await scanFile(page, source, report);

    // The end of the scan starts an evaluation of the realm in the background.
    await visit(page, '/alerts');
    await page.getByTestId('alerts-table').waitFor();
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('alerts-table').waitFor();
          return page.locator('[data-testid=alert-row][data-rule="nhi1.never_used"]').count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);
    const rows = await page.getByTestId('alert-row').count();
    expect(await page.getByTestId('alerts-total').textContent()).toBe(String(rows));
    expect(await page.getByTestId('alerts-next').isDisabled()).toBe(true);

    await visit(page, '/alerts/channels');
    await page.getByTestId('channel-form').waitFor();
    await page.getByTestId('channel-form').getByLabel('Name').fill('SOC');
    await page.getByTestId('channel-form').getByLabel('URL').fill('http://127.0.0.1:9/hooks/nhi');
    await page.getByRole('button', { name: 'Add channel' }).click();
    const channel = page.getByTestId('channel-row').filter({ hasText: 'SOC' });
    await channel.getByTestId('edit-routing').click();
    await page.getByTestId('routing-digest').fill('3');
    await page.getByTestId('routing-save').click();
    expect(await page.getByTestId('routing-error').textContent()).toMatch(/between 5 and 1440 minutes/);
    await page.getByTestId('routing-digest').fill('60');
    await page.getByTestId('routing-severity-critical').check();
    await page.getByTestId('routing-save').click();
    await expect.poll(() => channel.getByTestId('channel-routing').textContent()).toBe('critical');
    expect(await channel.textContent()).toContain('60 min');
    expect(cspViolations).toEqual([]);
  });
});
