import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startFakeGitLab } from '@nhi/scanner/testing/fake-gitlab-server';
import { startFakeSnsSigner } from '@nhi/scanner/testing/fake-sns-signer';
import type { Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { hubForFile } from './support/file-hub.ts';
import { logIn, openPage } from './support/session.ts';
import { addSource } from './support/sources.ts';

const gitlabToken = 'glpat-e2eFakeTokenForTheLocalGitLab';
const webhookToken = 'e2e-gitlab-hook-token-not-real';
const pushedCommit = '3f1c9e0b7d2a4c6e8f0a1b2c3d4e5f60718293a4';
/** SNS's certificate host: the hub trusts no other, so the local signer answers under this name. */
const snsHost = 'sns.us-east-1.amazonaws.com';
const topic = 'arn:aws:sns:us-east-1:111122223333:nhi-iam-changes';

/**
 * A GitLab group `acme` whose project `acme/api` has one project access token (scopes api and
 * read_repository, expiring 2027-03-01), and SNS's signer; the hub resolves SNS's host to the signer
 * and trusts its certificate.
 */
const sharedHub = hubForFile(
  async (dataDir) => {
    const gitlab = await startFakeGitLab({
      token: gitlabToken,
      groups: [
        { id: 10, path: 'acme', access_tokens: [], deploy_tokens: [], variables: [], service_accounts: [] },
      ],
      projects: [
        {
          id: 100,
          path: 'acme/api',
          access_tokens: [
            {
              id: 3,
              name: 'release-bot',
              scopes: ['api', 'read_repository'],
              active: true,
              revoked: false,
              created_at: '2026-06-01T00:00:00.000Z',
              expires_at: '2027-03-01',
              last_used_at: '2026-11-30T10:00:00.000Z',
              user_id: 91,
              access_level: 40,
            },
          ],
          deploy_tokens: [],
          deploy_keys: [],
          variables: [],
          commits: { [pushedCommit]: [] },
        },
      ],
    });
    const sns = await startFakeSnsSigner(snsHost);
    const caFile = path.join(dataDir, 'sns-ca.pem');
    await fs.writeFile(caFile, sns.cert);
    return { gitlab, sns, caFile };
  },
  ({ caFile }) => ({
    NODE_EXTRA_CA_CERTS: caFile,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ''} --import=${path.join(import.meta.dirname, 'support/loopback-hosts.mjs')}`.trim(),
    E2E_LOOPBACK_HOSTS: snsHost,
  }),
);

afterAll(async () => {
  const started = await sharedHub().catch(() => undefined);
  await started?.value.gitlab.close();
  await started?.value.sns.close();
});

/** The address the source's events panel gives, read from the panel it opens. */
async function webhookUrlOf(row: Locator): Promise<string> {
  await row.getByTestId('source-events-open').click();
  const urlOf = async () => (await row.getByTestId('source-webhook-url').textContent()) ?? '';
  await expect.poll(urlOf).toMatch(/\/api\/hooks\/sources\/[a-z0-9-]+\/[0-9a-f-]{36}$/);
  return urlOf();
}

/** Reopens the events panel and waits until it lists `count` events. */
async function eventsOf(row: Locator, count: number): Promise<Locator> {
  await row.getByRole('button', { name: 'Close' }).click();
  await row.getByTestId('source-events-open').click();
  const events = row.getByTestId('source-event');
  await expect.poll(() => events.count()).toBe(count);
  return events;
}

/** Follows an event's queued scan to its page and waits until the scan has finished. */
async function followScan(page: Page, event: Locator): Promise<string | null> {
  await event.getByRole('link', { name: 'queued scan' }).click();
  await page.waitForURL('**/scans/**');
  const detail = page.getByTestId('scan-detail');
  await expect
    .poll(() => detail.getAttribute('data-state'), { timeout: 60_000 })
    .toMatch(/^(succeeded|failed)$/);
  return detail.getAttribute('data-state');
}

describe('provider events in a browser', () => {
  it('adds a live GitLab source, accepts its hooks only with the secret token, and inventories its project token', async () => {
    const { hub, value } = await sharedHub();
    const page = await openPage(hub);
    await logIn(page);

    const row = await addSource(page, {
      type: 'gitlab',
      name: 'acme gitlab',
      fillSettings: async (form) => {
        await form.locator('input[name="setting.baseUrl"]').fill(value.gitlab.baseUrl);
        await form.locator('input[name="setting.group"]').fill('acme');
        await form.locator('input[name="secret.token"]').fill(gitlabToken);
        await form.locator('input[name="secret.webhookToken"]').fill(webhookToken);
      },
    });
    const url = await webhookUrlOf(row);
    const hook = (event: string, body: unknown, token: string) =>
      fetch(url, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: {
          'content-type': 'application/json',
          'x-gitlab-event': event,
          'x-gitlab-token': token,
          'x-gitlab-event-uuid': randomUUID(),
          'idempotency-key': randomUUID(),
        },
      });
    const push = {
      object_kind: 'push',
      ref: 'refs/heads/main',
      after: pushedCommit,
      project_id: 100,
      project: { id: 100, path_with_namespace: 'acme/api' },
      commits: [{ id: pushedCommit, message: 'Release notes' }],
    };

    expect((await hook('Push Hook', push, 'not-the-hook-token')).status).toBe(401);
    expect((await hook('Push Hook', push, webhookToken)).status).toBe(202);
    const tokenEvent = {
      object_kind: 'access_token',
      event_name: 'expiring_access_token',
      project: { id: 100, path_with_namespace: 'acme/api' },
    };
    expect((await hook('Resource Access Token Hook', tokenEvent, webhookToken)).status).toBe(202);

    const events = await eventsOf(row, 2);
    expect(await events.nth(1).textContent()).toContain('Push Hook');
    expect(await events.nth(1).textContent()).toContain('project acme/api');
    const tokenRow = events.filter({ hasText: 'Resource Access Token Hook' });
    // The token hook queues a live scan of the group, which reads the fake GitLab.
    expect(await followScan(page, tokenRow)).toBe('succeeded');

    await page.getByTestId('scan-source-inventory').click();
    await page.getByTestId('inventory-table').waitFor();
    await page.getByTestId('nhi-link').filter({ hasText: 'acme/api: release-bot' }).click();
    await page.getByTestId('nhi-page').waitFor();
    const permissions = await page.getByTestId('nhi-permissions').textContent();
    expect(permissions).toContain('api, read_repository');
    expect(permissions).toContain('acme/api');
    const credential = page.getByTestId('credential-row');
    expect(await credential.getByTestId('credential-status').textContent()).toBe('active');
    expect(await credential.locator('[title^="Expires 2027-03-01"]').count()).toBe(1);
  });

  it('lists a signed SNS notification of an IAM change on its AWS source, with the scan it queued', async () => {
    const { hub, value } = await sharedHub();
    const page = await openPage(hub);
    await logIn(page);

    const row = await addSource(page, {
      type: 'aws_iam',
      name: 'events account',
      fillSettings: async (form) => {
        await form.locator('input[name="setting.region"]').fill('us-east-1');
        await form.locator('input[name="setting.snsTopicArn"]').fill(topic);
      },
    });
    const url = await webhookUrlOf(row);
    const notification = value.sns.sign(topic, {
      Type: 'Notification',
      Message: JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.iam',
        account: '111122223333',
        region: 'us-east-1',
        detail: {
          eventSource: 'iam.amazonaws.com',
          eventName: 'CreateAccessKey',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/admin' },
          requestParameters: { userName: 'deploy-bot' },
        },
      }),
    });
    const send = (body: string) =>
      fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=UTF-8' } });
    const tampered = JSON.parse(notification) as Record<string, string>;
    tampered.Message = tampered.Message?.replace('deploy-bot', 'other-bot') ?? '';

    expect((await send(JSON.stringify(tampered))).status).toBe(401);
    expect((await send(notification)).status).toBe(202);

    const [event] = [(await eventsOf(row, 1)).first()];
    const text = await event.textContent();
    expect(text).toContain('CreateAccessKey');
    expect(text).toContain('target deploy-bot');
    // The source holds no AWS keys: the rescan it queued runs and says so.
    expect(await followScan(page, event)).toBe('failed');
    expect(await page.getByTestId('scan-error').textContent()).toContain('no AWS credentials');
  });
});
