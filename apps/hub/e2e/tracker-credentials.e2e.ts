import { AlertChannelService } from '@nhi/alert';
import { startFakeJira } from '@nhi/alert/testing/fake-jira-server';
import type { RealmRef } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';

describe('a tracker’s credentials changed in a browser', () => {
  // Started by the file's one test, so the fake Jira lives as long as that test.
  const started = hubForFile(async (dataDir) => {
    const jira = await startFakeJira();
    // The channel was made with a token Jira has since revoked.
    await withSeedingRuntime(dataDir, async (runtime) => {
      const hubRealm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({
        where: { slug: 'hub' },
        select: { id: true, slug: true },
      });
      const scope = await seedingScope(runtime, hubRealm as RealmRef);
      await scope.container.resolve(AlertChannelService).create({
        type: 'jira',
        name: 'Security Jira',
        baseUrl: jira.baseUrl,
        projectKey: jira.projectKey,
        email: jira.email,
        apiToken: 'jira-api-token-revoked-000000',
      });
    });
    return jira;
  });

  it('takes a new API token in password boxes that start empty, and the next call to Jira uses it', async () => {
    const { hub, value: jira } = await started();
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
    expect(cspViolations).toEqual([]);
  });
});
