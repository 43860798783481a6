import { type Logger, PLATFORM_DATABASE } from '@nhi/platform';
import { describeEachDatabase, trpcOverHttp } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { alertRouter } from '../api/alert.procedures.ts';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startFakeJira } from '../testing/fake-jira-server.ts';
import { startFakeServiceNow } from '../testing/fake-servicenow-server.ts';
import { basicAuth } from '../testing/fake-tracker-http.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { AlertDelivery } from './alert-delivery.ts';
import { AlertTickets } from './alert-tickets.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { TicketSync } from './ticket-sync.ts';
import { openTrackerSecret } from './tracker-clients.ts';

const oldToken = 'jira-api-token-revoked-000000';
const oldWebhookSecret = 'tracker-webhook-secret-old-0123';
const newWebhookSecret = 'tracker-webhook-secret-new-4567';
const quiet = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

describeEachDatabase('Tracker credentials changed in place', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const scope = await w.scopeOf(w.ana);
    const channels = scope.resolve(AlertChannelService);
    const tickets = scope.resolve(AlertTickets);
    const deliver = () => w.root.resolve(AlertDelivery).deliverDue(w.hubRealm.id);
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
          select: { settings: true, encryptedSecret: true, lastSyncError: true, syncCursor: true },
        }),
      );
    /** The channel's sealed secret, opened: what the hub holds to call the tracker and check its webhooks. */
    const opened = async (id: string) => {
      const sealed = (await stored(id))?.encryptedSecret;
      return sealed ? openTrackerSecret(await w.root.resolve(ChannelSecrets).open(sealed)) : null;
    };
    /** An open alert (nhi1.unowned on an unowned identity) with its ticket on the channel, delivered. */
    async function ticketedAlert(channelId: string) {
      const nhi = await w.machine({ ownerUserId: null });
      await w.evaluate();
      const alert = (await w.alerts()).find((a) => a.nhiId === nhi.id && a.ruleId === 'nhi1.unowned');
      if (!alert) throw new Error('no alert');
      await tickets.create({ alertId: alert.id, channelId });
      expect(await deliver()).toMatchObject({ delivered: 1, failed: 0 });
      return alert.id;
    }
    const ticketOf = (alertId: string) =>
      w.realmDb.transaction((tx) =>
        tx.alertTicket.findFirst({
          where: { alertId },
          select: { externalId: true, externalKey: true, url: true, done: true },
        }),
      );
    const alertState = async (id: string) => (await w.alerts()).find((a) => a.id === id)?.state;
    const audits = (id: string) =>
      w.realmDb.transaction((tx) =>
        tx.auditLog.findMany({
          where: { entityId: id, action: 'alert.channel.update' },
          orderBy: { createdAt: 'asc' },
          select: { before: true, after: true },
        }),
      );
    return {
      ...w,
      channels,
      sync,
      webhook,
      stored,
      opened,
      audits,
      ticketedAlert,
      ticketOf,
      alertState,
    };
  }

  /**
   * What an update must refuse or not find: a webhook channel, a Jira channel, and another realm's
   * Jira channel; with the API as a member with alert:configure calls it.
   */
  async function refusalSetup(t: Awaited<ReturnType<typeof setup>>) {
    const call = trpcOverHttp(t.root, 'alert', alertRouter);
    const ana = await t.bearerOf(t.ana);
    const webhook = await t.channels.create({
      type: 'webhook',
      name: 'SOC',
      url: 'https://example.org/hook',
    });
    const fake = await startFakeJira();
    const jira = {
      type: 'jira' as const,
      baseUrl: fake.baseUrl,
      projectKey: fake.projectKey,
      apiToken: fake.token,
    };
    const ours = await t.channels.create({ ...jira, name: 'Jira' });
    const theirs = await (await t.scopeOf(t.oli, t.otherRealm))
      .resolve(AlertChannelService)
      .create({ ...jira, name: 'Their Jira' });
    return { call, ana, webhook, fake, jira: ours, theirs };
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
    const { call, ana, webhook, jira, theirs } = await refusalSetup(t);
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

  it('moves a Jira channel to its new address: its tickets keep their keys, their links follow, and the old address hears nothing more', async () => {
    const t = await setup();
    const old = await startFakeJira();
    const channel = await t.channels.create({
      type: 'jira',
      name: 'Jira',
      baseUrl: `${old.baseUrl}/`,
      projectKey: old.projectKey,
      email: old.email,
      apiToken: old.token,
      webhookSecret: oldWebhookSecret,
    });
    const first = await t.ticketedAlert(channel.id);
    await t.sync.syncChannel(t.hubRealm.id, channel.id);
    expect((await t.stored(channel.id))?.syncCursor).not.toBeNull();
    // The same Jira, its issues and all, now answers at another address.
    const moved = await startFakeJira({ issues: old.issues });
    const heardBefore = old.requests.length;

    const updated = await t.channels.update({ id: channel.id, url: moved.baseUrl });

    expect(updated.settings).toMatchObject({ baseUrl: moved.baseUrl, projectKey: 'SEC' });
    expect(await t.ticketOf(first)).toEqual({
      externalId: old.issues[0]?.id,
      externalKey: 'SEC-1',
      url: `${moved.baseUrl}/browse/SEC-1`,
      done: false,
    });
    expect((await t.stored(channel.id))?.syncCursor).toBeNull();
    const second = await t.ticketedAlert(channel.id);
    expect(await t.ticketOf(second)).toMatchObject({
      externalKey: 'SEC-2',
      url: `${moved.baseUrl}/browse/SEC-2`,
    });
    moved.close('SEC-1');
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({ alertsChanged: 1 });
    expect(await t.alertState(first)).toBe('resolved');
    expect(moved.issues.map((issue) => issue.key)).toEqual(['SEC-1', 'SEC-2']);
    expect(old.requests.length).toBe(heardBefore);
    expect(old.issues).toHaveLength(1);
    // The webhook secret and the token stay as they were.
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(true);

    const [audit] = await t.audits(channel.id);
    expect(audit?.before).toMatchObject({ url: `${old.baseUrl}/` });
    expect(audit?.after).toEqual({ url: moved.baseUrl });
  });

  it('moves a ServiceNow channel to a renamed instance: the next record is opened there, and the links of the old ones follow', async () => {
    const t = await setup();
    const old = await startFakeServiceNow();
    const channel = await t.channels.create({
      type: 'servicenow',
      name: 'ServiceNow',
      instanceUrl: old.instanceUrl,
      username: old.username,
      password: old.password,
    });
    const first = await t.ticketedAlert(channel.id);
    const sysId = old.records[0]?.sys_id;
    const renamed = await startFakeServiceNow();
    const heardBefore = old.requests.length;

    await t.channels.update({ id: channel.id, url: renamed.instanceUrl });

    expect(await t.ticketOf(first)).toMatchObject({
      externalId: sysId,
      externalKey: 'INC0010001',
      url: `${renamed.instanceUrl}/nav_to.do?uri=incident.do?sys_id=${sysId}`,
    });
    const second = await t.ticketedAlert(channel.id);
    expect(renamed.records).toHaveLength(1);
    expect((await t.ticketOf(second))?.url).toBe(
      `${renamed.instanceUrl}/nav_to.do?uri=incident.do?sys_id=${renamed.records[0]?.sys_id}`,
    );
    expect(old.requests.length).toBe(heardBefore);
    expect(old.records).toHaveLength(1);
    expect((await t.audits(channel.id)).map((entry) => entry.after)).toEqual([{ url: renamed.instanceUrl }]);
  });

  it('refuses a tracker address with a user and password in it, and keeps nothing of it', async () => {
    const t = await setup();
    const fake = await startFakeJira();
    const jira = { type: 'jira' as const, projectKey: fake.projectKey, apiToken: fake.token };
    const channel = await t.channels.create({ ...jira, name: 'Jira', baseUrl: fake.baseUrl });
    const withUserinfo = fake.baseUrl.replace('http://', 'http://admin:password-in-url@');

    const created = await t.channels
      .create({ ...jira, name: 'Jira 2', baseUrl: withUserinfo })
      .catch((e) => e);
    const updated = await t.channels.update({ id: channel.id, url: withUserinfo }).catch((e) => e);

    const refusal = (field: string) => ({
      code: 'BAD_REQUEST',
      issues: [
        {
          path: [field],
          message: 'Put no user or password in the URL: the credentials have fields of their own',
        },
      ],
    });
    expect(created).toMatchObject(refusal('baseUrl'));
    expect(updated).toMatchObject(refusal('url'));
    expect((await t.stored(channel.id))?.settings).toMatchObject({ baseUrl: fake.baseUrl });
    expect(await t.audits(channel.id)).toEqual([]);
    expect(JSON.stringify(await t.channels.list())).not.toContain('password-in-url');
  });

  it('removes the webhook secret: a delivery signed with the old one is refused, and the token stays', async () => {
    const t = await setup();
    const fake = await startFakeJira();
    const channel = await t.channels.create({
      type: 'jira',
      name: 'Jira',
      baseUrl: fake.baseUrl,
      projectKey: fake.projectKey,
      email: fake.email,
      apiToken: fake.token,
      webhookSecret: oldWebhookSecret,
    });
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(true);

    const updated = await t.channels.update({ id: channel.id, webhookSecret: null });

    expect(updated).toMatchObject({ hasSecret: true, settings: { hasWebhookSecret: false } });
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(false);
    expect(await t.opened(channel.id)).toEqual({ token: fake.token });
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({ seen: 0 });
    // Left out again, it stays removed; a new one is accepted from then on.
    await t.channels.update({ id: channel.id, apiToken: fake.token });
    expect(await t.webhook(channel.id, oldWebhookSecret)).toBe(false);
    await t.channels.update({ id: channel.id, webhookSecret: newWebhookSecret });
    expect(await t.webhook(channel.id, newWebhookSecret)).toBe(true);

    const audit = await t.audits(channel.id);
    expect(audit.map((entry) => entry.after)).toEqual([
      { credentialsRemoved: ['webhookSecret'] },
      { credentialsChanged: ['apiToken'] },
      { credentialsChanged: ['webhookSecret'] },
    ]);
    expect(JSON.stringify(audit)).not.toContain(oldWebhookSecret);
  });

  it('refuses an address for a channel that is no tracker or a bad one (400), and for an unknown channel (404)', async () => {
    const t = await setup();
    const { call, ana, webhook, fake, jira, theirs } = await refusalSetup(t);
    const email = await t.channels.create({
      type: 'email',
      name: 'Mail',
      host: 'smtp.example.org',
      from: 'nhi@example.org',
    });
    const url = 'https://jira.example.org';

    const notTracker = await call(ana, 'channels.update', { id: webhook.id, url });
    const mail = await call(ana, 'channels.update', { id: email.id, url });
    const notHttp = await call(ana, 'channels.update', { id: jira.id, url: 'ftp://jira.example.org' });
    const notUrl = await call(ana, 'channels.update', { id: jira.id, url: 'jira.example.org' });
    const unknown = await call(ana, 'channels.update', { id: crypto.randomUUID(), url });
    const otherRealm = await call(ana, 'channels.update', { id: theirs.id, url });

    expect(notTracker.status).toBe(400);
    expect(notTracker.body.error.message).toBe(
      "Only Jira and ServiceNow channels take url (the tracker's address), not webhook channels",
    );
    expect(mail.status).toBe(400);
    expect(mail.body.error.message).toBe(
      "Only Jira and ServiceNow channels take url (the tracker's address), not email channels",
    );
    expect(notHttp.status).toBe(400);
    expect(notUrl.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(otherRealm.status).toBe(404);
    expect((await t.stored(webhook.id))?.settings).toEqual({ url: 'https://example.org/hook' });
    expect((await t.stored(jira.id))?.settings).toMatchObject({ baseUrl: fake.baseUrl });
    for (const channel of [webhook, email, jira]) expect(await t.audits(channel.id)).toEqual([]);
    const [their] = await (await t.scopeOf(t.oli, t.otherRealm)).resolve(AlertChannelService).list();
    expect(their?.settings).toMatchObject({ baseUrl: fake.baseUrl });
  });
});
