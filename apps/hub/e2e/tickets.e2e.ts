import { AlertChannelService } from '@nhi/alert';
import { startFakeJira } from '@nhi/alert/testing/fake-jira-server';
import type { RealmRef } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import { seededDataDir, seedingScope, seedUnownedAlert, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

const publicUrl = 'https://nhi.example.test';
const webhookSecret = 'jira-webhook-secret-for-the-hub';

describe('a ticket for an alert in a browser', () => {
  it('opens a Jira issue from the alert page; closing it in Jira resolves the alert on the next sync', async () => {
    const jira = await startFakeJira();
    /** The hub realm with a Jira tracker and one unowned identity at work: one nhi1.unowned alert. */
    const seedAlertWithTracker = (dataDir: string) =>
      withSeedingRuntime(dataDir, async (runtime) => {
        const hubRealm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({
          where: { slug: 'hub' },
          select: { id: true, slug: true },
        });
        const scope = await seedingScope(runtime, hubRealm as RealmRef);
        const channel = await scope.container.resolve(AlertChannelService).create({
          type: 'jira',
          name: 'Security Jira',
          baseUrl: jira.baseUrl,
          projectKey: jira.projectKey,
          email: jira.email,
          apiToken: jira.token,
          webhookSecret,
        });
        const alertId = await seedUnownedAlert(scope, 'e2e-ticketed');
        return { alertId, channelId: channel.id };
      });
    const { dataDir, value } = await seededDataDir(seedAlertWithTracker);
    const hub = await startReadyHub(dataDir, { NHI_PUBLIC_URL: publicUrl });
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);

    await visit(page, `/alerts/${value.alertId}`);
    await page.getByTestId('alert-tickets').waitFor();
    await page.getByTestId('ticket-open').click();
    await page.getByTestId('ticket-tracker').selectOption({ label: 'Security Jira (Jira)' });
    await page.getByTestId('ticket-create').click();
    await expect.poll(() => page.getByTestId('ticket-notice').textContent()).toBe('Ticket queued.');
    // The delivery job opens the issue; the page shows its key once it is there.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('alert-tickets').waitFor();
          return page.getByTestId('ticket-key').textContent();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('SEC-1');
    expect(jira.issues).toHaveLength(1);
    expect(JSON.stringify(jira.issues[0]?.description)).toContain(
      `${publicUrl}/r/hub/alerts/${value.alertId}`,
    );

    // Someone closes the issue in Jira. A webhook with a wrong signature changes nothing.
    jira.close('SEC-1');
    const hookUrl = `${hub.url}/api/hooks/tickets/hub/${value.channelId}`;
    expect((await jira.sendWebhook(hookUrl, 'not-the-secret-at-all', 'SEC-1')).status).toBe(401);
    await page.reload();
    expect(await page.getByTestId('alert-page').getAttribute('data-state')).toBe('open');

    await page.getByTestId('ticket-sync').click();
    await expect.poll(() => page.getByTestId('alert-page').getAttribute('data-state')).toBe('resolved');
    expect(await page.getByTestId('ticket-status').textContent()).toBe('Done');
    expect(await page.getByTestId('alert-history').textContent()).toContain('Jira ticket SEC-1 was closed');
    // The signed webhook is accepted; a replay changes nothing more.
    expect((await jira.sendWebhook(hookUrl, webhookSecret, 'SEC-1')).status).toBe(202);
    expect(cspViolations).toEqual([]);
  });
});
