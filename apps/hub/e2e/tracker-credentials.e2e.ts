import { createHmac } from 'node:crypto';
import { AlertChannelService } from '@nhi/alert';
import { startFakeJira } from '@nhi/alert/testing/fake-jira-server';
import type { RealmRef } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';

const webhookSecret = 'jira-webhook-secret-for-the-hub';

describe('a tracker’s credentials changed in a browser', () => {
  // Started by the file's one test, so the fake Jira lives as long as that test.
  const started = hubForFile(async (dataDir) => {
    const jira = await startFakeJira();
    // The channel was made with a token Jira has since revoked.
    const channelId = await withSeedingRuntime(dataDir, async (runtime) => {
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
        apiToken: 'jira-api-token-revoked-000000',
        webhookSecret,
      });
      return channel.id;
    });
    return { jira, channelId };
  });

  it('takes a new API token in password boxes that start empty, then a new address with the webhook secret removed; the next calls go where they say', async () => {
    const {
      hub,
      value: { jira, channelId },
    } = await started();
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    await visit(page, '/alerts/channels');
    const row = page.getByTestId('channel-row').filter({ hasText: 'Security Jira' });
    const message = page.getByTestId('channels-message');

    await row.getByTestId('send-test').click();
    await expect.poll(() => message.textContent()).toContain('HTTP 401');

    await row.getByTestId('edit-credentials').click();
    const form = page.getByTestId('channel-credentials-form');
    expect(await form.locator('input[name="secret"]').getAttribute('type')).toBe('password');
    expect(await form.locator('input[name="secret"]').inputValue()).toBe('');
    await form.locator('input[name="secret"]').fill(jira.token);
    await form.getByTestId('credentials-save').click();
    await expect.poll(() => message.textContent()).toBe('Credentials saved.');
    expect(await page.content()).not.toContain(jira.token);

    await row.getByTestId('send-test').click();
    await expect.poll(() => message.textContent()).toBe('Test message sent.');
    expect(jira.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${jira.email}:${jira.token}`).toString('base64')}`,
    );

    // Jira moves to a new address, and its webhook secret is withdrawn in the same save.
    const hook = () => {
      const body = JSON.stringify({
        webhookEvent: 'jira:issue_updated',
        issue: { id: '10999', key: 'SEC-999' },
      });
      return fetch(`${hub.url}/api/hooks/tickets/hub/${channelId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
        },
        body,
      });
    };
    expect((await hook()).status).toBe(202);
    const moved = await startFakeJira({ issues: jira.issues });
    const heardBefore = jira.requests.length;
    await row.getByTestId('edit-credentials').click();
    await form.locator('input[name="url"]').fill(moved.baseUrl);
    await form.getByLabel('Remove webhook secret').check();
    await form.getByTestId('credentials-save').click();
    await expect.poll(() => message.textContent()).toBe('Credentials saved.');

    await row.getByTestId('send-test').click();
    await expect.poll(() => message.textContent()).toBe('Test message sent.');
    expect(moved.requests.length).toBeGreaterThan(0);
    expect(jira.requests.length).toBe(heardBefore);
    expect((await hook()).status).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});
