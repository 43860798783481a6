import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { credentialReportHeader, machineUserRow } from './support/credential-report.ts';
import { hubForFile } from './support/file-hub.ts';
import type { RunningHub } from './support/hub-process.ts';
import { adminEmail } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';
import { addSource, scanFile } from './support/sources.ts';

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const sharedHub = hubForFile();
let scanned: Promise<{ hub: RunningHub; scanPath: string; identityPath: string }> | undefined;

/**
 * A hub whose only identity came from a scan of the source "prod account": a machine user whose
 * key was never used. Scanned once for the file: the tests read the identity and its alerts, and
 * the one that acknowledges an alert picks one still open.
 */
function scannedHub() {
  scanned ??= (async () => {
    const { hub, dataDir } = await sharedHub();
    const report = path.join(dataDir, 'credential-report.csv');
    await fs.writeFile(report, [credentialReportHeader, machineUserRow('e2e-idle', false)].join('\n'));
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    const source = await addSource(page, { type: 'aws_iam', name: 'prod account' });
    await scanFile(page, source, report);
    const scanPath = new URL(page.url()).pathname;
    await visit(page, '/inventory');
    await page.getByTestId('nhi-link').filter({ hasText: 'e2e-idle' }).click();
    await page.getByTestId('nhi-page').waitFor();
    const identityPath = new URL(page.url()).pathname;
    expect(cspViolations).toEqual([]);
    await page.context().close();
    return { hub, scanPath, identityPath };
  })();
  return scanned;
}

/** The identity's page, in a session of the test's own. */
async function setup() {
  const { hub, scanPath, identityPath } = await scannedHub();
  const page = await openPage(hub);
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await visit(page, identityPath);
  await page.getByTestId('nhi-page').waitFor();
  return { page, cspViolations, scanPath, identityPath };
}

/** The end of a scan starts an evaluation in the background: reload until its alerts are listed. */
async function waitForAlerts(page: Page) {
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.getByTestId('nhi-alerts').waitFor();
        return page.getByTestId('nhi-alert-row').count();
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toBeGreaterThan(0);
}

describe('the identity page in a browser', () => {
  it('names the source, links the provider console, and keeps Revoke in view', async () => {
    const { page, cspViolations, scanPath } = await setup();

    expect(await page.getByTestId('nhi-source-link').textContent()).toBe('prod account');
    expect(await page.getByTestId('nhi-source').textContent()).not.toMatch(uuid);
    expect(await page.getByTestId('nhi-source-scan').getAttribute('href')).toMatch(
      new RegExp(`${scanPath}$`),
    );
    const consoleLink = page.getByTestId('nhi-console-link');
    expect(await consoleLink.getAttribute('href')).toBe(
      'https://console.aws.amazon.com/iam/home#/users/details/e2e-idle',
    );
    expect(await consoleLink.getAttribute('target')).toBe('_blank');
    expect(await consoleLink.getAttribute('rel')).toBe('noopener noreferrer');
    // Created by the scan and unchanged since: the history says so instead of "No versions recorded".
    expect(await page.getByTestId('history-found-by-scan').textContent()).toContain('prod account');

    const revoke = page.getByTestId('revoke-credential');
    const box = await revoke.boundingBox();
    const scroller = await page.getByTestId('credential-table').evaluate((table) => {
      const scroll = table.parentElement as HTMLElement;
      return { scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth };
    });
    expect(scroller.scrollWidth).toBeLessThanOrEqual(scroller.clientWidth);
    expect(box && box.x + box.width).toBeLessThanOrEqual(1280);
    await revoke.click();
    await page.getByTestId('confirm-revoke-credential').waitFor();
    await screenshot(page, 'identity-overview');
    expect(cspViolations).toEqual([]);
  });

  it('lists the identity’s alerts on their tab, where acknowledging one changes its state, and a timeline with the scan that found it', async () => {
    const { page, cspViolations, scanPath, identityPath } = await setup();

    await page.getByTestId('nhi-tab-alerts').click();
    await page.waitForURL(
      (url) => url.pathname.endsWith(identityPath) && url.searchParams.get('tab') === 'alerts',
    );
    await waitForAlerts(page);
    const open = page.locator('[data-testid=nhi-alert-row][data-state=open]').first();
    const alertId = await open.getAttribute('data-alert-id');
    const title = await open.getByTestId('nhi-alert-title').textContent();
    await open.getByTestId('nhi-alert-select').check();
    await page.getByTestId('acknowledge-alerts').click();
    const acknowledged = page.locator(`[data-testid=nhi-alert-row][data-alert-id="${alertId}"]`);
    await expect.poll(() => acknowledged.getAttribute('data-state')).toBe('acknowledged');
    expect(await acknowledged.getByTestId('alert-state').textContent()).toBe('acknowledged');
    await screenshot(page, 'identity-alerts');

    await page.getByTestId('nhi-tab-timeline').click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'timeline');
    const timeline = page.getByTestId('nhi-timeline');
    const scanEntry = timeline.locator('[data-testid=timeline-entry][data-type=scan]').first();
    expect(await scanEntry.textContent()).toContain('First seen by a scan of prod account');
    expect(await scanEntry.getByTestId('timeline-scan-link').getAttribute('href')).toMatch(
      new RegExp(`${scanPath}$`),
    );
    const triage = timeline.locator('[data-testid=timeline-entry][data-type=alert]').first();
    expect(await triage.textContent()).toContain(`${title} acknowledged · by ${adminEmail}`);
    await screenshot(page, 'identity-timeline');

    // The tab is in the URL: a reload opens it again.
    await page.reload();
    await page.getByTestId('nhi-timeline').waitFor();
    expect(cspViolations).toEqual([]);
  });

  it('links a risk factor to the alerts it comes from', async () => {
    const { page } = await setup();

    await page.getByTestId('nhi-tab-alerts').click();
    await waitForAlerts(page);
    await page.getByTestId('nhi-tab-overview').click();
    await page.waitForURL((url) => !url.searchParams.has('tab'));
    await page.reload();
    const factor = page.getByTestId('risk-factor-alerts').first();
    const factorTitle = await factor.textContent();
    await factor.click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'alerts' && url.searchParams.has('rule'));
    await page.getByTestId('nhi-alerts-rule-filter').waitFor();
    const titles = await page.getByTestId('nhi-alert-title').allTextContents();
    expect(titles.length).toBeGreaterThan(0);
    expect(new Set(titles)).toEqual(new Set([factorTitle]));
  });
});
