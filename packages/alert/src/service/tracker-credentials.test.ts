import { type Logger, PLATFORM_DATABASE } from '@nhi/platform';
import { describeEachDatabase, trpcOverHttp } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { alertRouter } from '../api/alert.procedures.ts';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startFakeJira } from '../testing/fake-jira-server.ts';
import { startFakeServiceNow } from '../testing/fake-servicenow-server.ts';
import { basicAuth } from '../testing/fake-tracker-http.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { TicketSync } from './ticket-sync.ts';

const oldToken = 'jira-api-token-revoked-000000';
const oldWebhookSecret = 'tracker-webhook-secret-old-0123';
const newWebhookSecret = 'tracker-webhook-secret-new-4567';
const quiet = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

describeEachDatabase('Tracker credentials changed in place', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const channels = (await w.scopeOf(w.ana)).resolve(AlertChannelService);
    const sync = new TicketSync(
      w.root.resolve(PLATFORM_DATABASE),
      w.clock,
      w.root.resolve(ChannelSecrets),
      quiet,
    );
    const { createHmac } = await import('node:crypto');
    const webhook = (channelId: string, secret: string) => {
      const body = JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: '1', key: 'SEC-404' } });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      return sync.receiveWebhook('hub', channelId, body, signature);
    };
    const stored = (id: string) =>
      w.realmDb.transaction((tx) =>
        tx.alertChannel.findFirst({
          where: { id },
          select: { settings: true, encryptedSecret: true, lastSyncError: true },
        }),
      );
    const audits = (id: string) =>
      w.realmDb.transaction((tx) =>
        tx.auditLog.findMany({
          where: { entityId: id, action: 'alert.channel.update' },
          orderBy: { createdAt: 'asc' },
          select: { before: true, after: true },
        }),
      );
    return { ...w, channels, sync, webhook, stored, audits };
  }

  it('syncs a Jira channel with its new API token once it is changed, and keeps the webhook secret until that is changed too', async () => {
    const t = await setup();
    // The token the channel was made with has been revoked: Jira accepts only the new one.
    const fake = await startFakeJira();
    const channel = await t.channels.create({
      type: 'jira',
      name: 'Jira',
      baseUrl: fake.baseUrl,
      projectKey: fake.projectKey,
      email: fake.email,
      apiToken: oldToken,
      webhookSecret: oldWebhookSecret,
    });
    await expect(t.sync.syncChannel(t.hubRealm.id, channel.id)).rejects.toThrow(/HTTP 401/);
    const sealedBefore = (await t.stored(channel.id))?.encryptedSecret;

    const updated = await t.channels.update({ id: channel.id, apiToken: fake.token });

    expect(updated).toMatchObject({
      hasSecret: true,
      settings: { email: fake.email, hasWebhookSecret: true },
    });
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({ seen: 0 });
    expect(basicAuth(fake.requests.at(-1)?.headers.authorization)).toEqual({
      user: fake.email,
      password: fake.token,
    });
    const row = await t.stored(channel.id);
    expect(row?.lastSyncError).toBeNull();
    expect(row?.encryptedSecret).not.toBe(sealedBefore);
    expect(JSON.stringify(row)).not.toContain(fake.token);
    // The webhook secret was left out, so the old one still signs.
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(true);

    await t.channels.update({
      id: channel.id,
      webhookSecret: newWebhookSecret,
      email: 'sec-bot@example.com',
    });
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(false);
    expect(await t.webhook(channel.id, newWebhookSecret)).toBe(true);
    expect((await t.stored(channel.id))?.settings).toMatchObject({ email: 'sec-bot@example.com' });
    // The token stays the one set before; the account is now the new email, which this Jira refuses.
    await expect(t.sync.syncChannel(t.hubRealm.id, channel.id)).rejects.toThrow(/HTTP 401/);
    expect(basicAuth(fake.requests.at(-1)?.headers.authorization)).toEqual({
      user: 'sec-bot@example.com',
      password: fake.token,
    });

    const audit = await t.audits(channel.id);
    expect(
      audit.map((entry) => (entry.after as { credentialsChanged?: string[] }).credentialsChanged),
    ).toEqual([['apiToken'], ['email', 'webhookSecret']]);
    const written = JSON.stringify([audit, await t.stored(channel.id)]);
    for (const secret of [fake.token, oldToken, oldWebhookSecret, newWebhookSecret])
      expect(written).not.toContain(secret);
  });

  it('syncs a ServiceNow channel as its new integration user with the new password', async () => {
    const t = await setup();
    const fake = await startFakeServiceNow();
    const channel = await t.channels.create({
      type: 'servicenow',
      name: 'ServiceNow',
      instanceUrl: fake.instanceUrl,
      username: 'nhi.retired',
      password: 'snow-password-retired-0000',
    });
    await expect(t.sync.syncChannel(t.hubRealm.id, channel.id)).rejects.toThrow(/HTTP 401/);

    const updated = await t.channels.update({
      id: channel.id,
      username: fake.username,
      password: fake.password,
    });

    expect(updated.settings).toMatchObject({ username: fake.username, hasWebhookSecret: false });
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({ seen: 0 });
    expect(basicAuth(fake.requests.at(-1)?.headers.authorization)).toEqual({
      user: fake.username,
      password: fake.password,
    });
    expect(JSON.stringify([await t.stored(channel.id), await t.audits(channel.id)])).not.toContain(
      fake.password,
    );
  });

  it('refuses credentials for a channel that is no tracker or of another tracker (400) and an unknown channel (404)', async () => {
    const t = await setup();
    const call = trpcOverHttp(t.root, 'alert', alertRouter);
    const ana = await t.bearerOf(t.ana);
    const webhook = await t.channels.create({
      type: 'webhook',
      name: 'SOC',
      url: 'https://example.org/hook',
    });
    const fake = await startFakeJira();
    const jira = await t.channels.create({
      type: 'jira',
      name: 'Jira',
      baseUrl: fake.baseUrl,
      projectKey: fake.projectKey,
      email: fake.email,
      apiToken: fake.token,
    });
    const theirs = await (await t.scopeOf(t.oli, t.otherRealm)).resolve(AlertChannelService).create({
      type: 'jira',
      name: 'Their Jira',
      baseUrl: fake.baseUrl,
      projectKey: fake.projectKey,
      apiToken: fake.token,
    });
    const token = { apiToken: 'jira-api-token-new-0123456789' };

    const notTracker = await call(ana, 'channels.update', { id: webhook.id, ...token });
    const otherTracker = await call(ana, 'channels.update', { id: jira.id, password: 'snow-password-0123' });
    const unknown = await call(ana, 'channels.update', { id: crypto.randomUUID(), ...token });
    const otherRealm = await call(ana, 'channels.update', { id: theirs.id, ...token });
    const badSecret = await call(ana, 'channels.update', { id: jira.id, webhookSecret: 'short' });

    expect(notTracker.status).toBe(400);
    expect(notTracker.body.error.message).toBe(
      'A webhook channel takes no credentials here: only Jira and ServiceNow channels do',
    );
    expect(otherTracker.status).toBe(400);
    expect(otherTracker.body.error.message).toBe('A Jira channel takes apiToken, email, webhookSecret');
    expect(unknown.status).toBe(404);
    expect(otherRealm.status).toBe(404);
    expect(badSecret.status).toBe(400);
    expect(await t.audits(webhook.id)).toEqual([]);
    expect(await t.audits(jira.id)).toEqual([]);
    expect(JSON.stringify([notTracker, otherTracker, unknown, otherRealm])).not.toContain(token.apiToken);
  });
});
