import { type Logger, PLATFORM_DATABASE } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startFakeJira } from '../testing/fake-jira-server.ts';
import { startFakeServiceNow } from '../testing/fake-servicenow-server.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { AlertDelivery } from './alert-delivery.ts';
import { AlertTickets } from './alert-tickets.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { TicketSync } from './ticket-sync.ts';
import { ticketTag } from './tracker-clients.ts';

const webhookSecret = 'tracker-webhook-secret-0123456789';

/** The start of the next query: the cursor less the widest time zone offset (UTC, glide format). */
const fourteenHoursBefore = (cursor: string | null) =>
  new Date(new Date(`${cursor?.replace(' ', 'T')}Z`).getTime() - 14 * 3_600_000)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ');

describeEachDatabase('Alert tickets', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase, { NHI_PUBLIC_URL: 'https://nhi.example.org' });
    const scope = await w.scopeOf(w.ana);
    const channels = scope.resolve(AlertChannelService);
    const tickets = scope.resolve(AlertTickets);
    const delivery = w.root.resolve(AlertDelivery);
    const deliver = (options = {}) => delivery.deliverDue(w.hubRealm.id, options);
    const logged: string[] = [];
    const capture = (...args: unknown[]) => {
      logged.push(JSON.stringify(args));
    };
    const logger = { warn: capture, info: capture, error: capture, debug: capture } as unknown as Logger;
    const sync = new TicketSync(
      w.root.resolve(PLATFORM_DATABASE),
      w.clock,
      w.root.resolve(ChannelSecrets),
      logger,
    );

    async function jira(
      fields: {
        name?: string;
        autoCreate?: boolean;
        severities?: ('low' | 'medium' | 'high' | 'critical')[];
      } = {},
      options: Parameters<typeof startFakeJira>[0] = {},
    ) {
      const fake = await startFakeJira(options);
      const channel = await channels.create({
        type: 'jira',
        name: 'Jira',
        baseUrl: fake.baseUrl,
        flavour: fake.flavour,
        projectKey: fake.projectKey,
        email: fake.email,
        apiToken: fake.token,
        webhookSecret,
        ...fields,
      });
      return { fake, channel };
    }

    async function serviceNow(
      fields: { onTicketDone?: 'resolve' | 'acknowledge'; autoCreate?: boolean } = {},
    ) {
      const fake = await startFakeServiceNow();
      const channel = await channels.create({
        type: 'servicenow',
        name: 'ServiceNow',
        instanceUrl: fake.instanceUrl,
        username: fake.username,
        password: fake.password,
        webhookSecret,
        ...fields,
      });
      return { fake, channel };
    }

    /** An unowned identity at work: nhi1.unowned opens one medium alert about it. */
    async function openAlert() {
      const nhi = await w.machine({ ownerUserId: null });
      await w.evaluate();
      const alert = (await w.alerts()).find((a) => a.nhiId === nhi.id && a.ruleId === 'nhi1.unowned');
      if (!alert) throw new Error('no alert');
      return { ...alert, nhi };
    }

    const ticketRows = () =>
      w.realmDb.transaction((tx) =>
        tx.alertTicket.findMany({
          orderBy: { createdAt: 'asc' },
          select: {
            alertId: true,
            externalKey: true,
            status: true,
            done: true,
            url: true,
            fingerprint: true,
          },
        }),
      );
    const outbox = () =>
      w.realmDb.transaction((tx) =>
        tx.alertNotification.findMany({
          orderBy: { createdAt: 'asc' },
          select: { kind: true, state: true, payload: true, lastError: true, id: true },
        }),
      );
    const alertState = async (id: string) => (await w.alerts()).find((a) => a.id === id)?.state;
    const historyOf = (alertId: string) =>
      w.realmDb.transaction((tx) =>
        tx.alertEvent.findMany({
          where: { alertId },
          orderBy: { createdAt: 'asc' },
          select: { fromState: true, toState: true, reason: true, actorType: true },
        }),
      );
    return {
      ...w,
      channels,
      tickets,
      deliver,
      sync,
      logged,
      jira,
      serviceNow,
      openAlert,
      ticketRows,
      outbox,
      alertState,
      historyOf,
    };
  }

  it('opens a Jira Cloud issue for an alert by hand, with the explanation, evidence, fix and a link back', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();

    const ticket = await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    expect(ticket).toMatchObject({
      channelName: 'Jira',
      trackerType: 'jira',
      externalKey: null,
      done: false,
    });
    expect(await t.deliver()).toEqual({ delivered: 1, failed: 0, dead: 0 });
    // "Send test" on a tracker proves the address and the credential with a search; it opens nothing.
    expect(await t.channels.sendTest(channel.id)).toMatchObject({ ok: true });

    expect(fake.issues).toHaveLength(1);
    const [issue] = fake.issues;
    expect(issue?.summary).toBe(`[NHI Hub] [MEDIUM] Machine identity without an owner on ${alert.nhi.name}`);
    expect(issue?.labels).toEqual(['nhi-hub', ticketTag(alert.fingerprint), 'owasp-nhi1']);
    const text = JSON.stringify(issue?.description);
    expect(issue?.description).toMatchObject({ type: 'doc', version: 1 });
    expect(text).toContain('What to do: Assign an owner');
    expect(text).toContain(`In NHI Hub: https://nhi.example.org/r/hub/alerts/${alert.id}`);
    expect(text).toContain('Owner: none');
    const detail = await (await t.serviceOf(t.ana)).get(alert.id);
    expect(detail.tickets).toEqual([
      expect.objectContaining({
        externalKey: 'SEC-1',
        url: `${fake.baseUrl}/browse/SEC-1`,
        status: 'To Do',
        done: false,
        channelName: 'Jira',
      }),
    ]);
  });

  it('answers a second ask, concurrent ones included, with the one ticket and queues nothing more', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();
    const eve = (await t.scopeOf(t.eve)).resolve(AlertTickets);

    const asks = await Promise.all([
      t.tickets.create({ alertId: alert.id, channelId: channel.id }),
      eve.create({ alertId: alert.id, channelId: channel.id }),
      t.tickets.createMany({ alertIds: [alert.id, alert.id], channelId: channel.id }),
      eve.create({ alertId: alert.id, channelId: channel.id }),
    ]);
    const ids = new Set(asks.flat().map((ticket) => ticket.id));
    expect(ids.size).toBe(1);
    expect((await t.outbox()).map((n) => n.kind)).toEqual(['ticket.create']);
    await t.deliver();
    expect(await t.tickets.create({ alertId: alert.id, channelId: channel.id })).toMatchObject({
      externalKey: 'SEC-1',
    });
    expect(await t.deliver()).toEqual({ delivered: 0, failed: 0, dead: 0 });
    expect(fake.issues).toHaveLength(1);
  });

  it('opens tickets by the routing rule for new matching alerts, once per alert, when autoCreate is on', async () => {
    const t = await setup();
    const auto = await t.jira({ autoCreate: true, severities: ['medium'] });
    const manual = await startFakeJira();
    await t.channels.create({
      type: 'jira',
      name: 'Jira by hand',
      baseUrl: manual.baseUrl,
      projectKey: 'SEC',
      email: manual.email,
      apiToken: manual.token,
    });
    const critical = await t.jira(
      { name: 'Jira critical', autoCreate: true, severities: ['critical'] },
      { projectKey: 'CRIT' },
    );
    const alert = await t.openAlert();

    expect((await t.outbox()).map((n) => n.kind)).toEqual(['ticket.create']);
    expect(await t.deliver()).toMatchObject({ delivered: 1 });
    expect(auto.fake.issues).toHaveLength(1);
    expect(manual.issues).toHaveLength(0);
    expect(critical.fake.issues).toHaveLength(0);
    expect(await t.ticketRows()).toEqual([
      expect.objectContaining({ alertId: alert.id, externalKey: 'SEC-1' }),
    ]);

    // Resolved by the evaluation, then open again: the ticket hears of both, and no second one is made.
    await t.realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: alert.nhi.id }, data: { ownerUserId: t.ana.id } }),
    );
    await t.evaluate();
    await t.realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: alert.nhi.id }, data: { ownerUserId: null } }),
    );
    t.clock.advanceSeconds(60);
    await t.evaluate();
    expect((await t.outbox()).map((n) => n.kind)).toEqual([
      'ticket.create',
      'ticket.resolve',
      'ticket.comment',
    ]);
    expect(await t.deliver()).toMatchObject({ delivered: 2, failed: 0 });
    expect(auto.fake.issues).toHaveLength(1);
    expect(auto.fake.issues[0]?.comments).toHaveLength(2);
  });

  it('retries a create while the tracker is down and creates exactly one ticket when it is back; a dead one can be retried', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    fake.down();

    expect(await t.deliver({ maxAttempts: 2 })).toMatchObject({ failed: 1, dead: 0 });
    t.clock.advanceSeconds(30);
    expect(await t.deliver({ maxAttempts: 2 })).toMatchObject({ failed: 1, dead: 1 });
    const [dead] = await t.channels.deliveries({ states: ['dead'] });
    expect(dead?.history.map((a) => a.status)).toEqual([503, 503]);
    expect(fake.issues).toHaveLength(0);

    fake.up();
    expect(await t.channels.retry({ ids: [dead?.id ?? ''] })).toEqual({ retried: 1 });
    expect(await t.deliver()).toMatchObject({ delivered: 1 });
    expect(fake.issues).toHaveLength(1);
    expect(await t.ticketRows()).toEqual([expect.objectContaining({ externalKey: 'SEC-1' })]);
  });

  it('does not open a second Jira issue when the answer to a create was lost', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    fake.loseNextAnswer();

    expect(await t.deliver()).toMatchObject({ failed: 1 });
    expect(fake.issues).toHaveLength(1);
    t.clock.advanceSeconds(30);
    expect(await t.deliver()).toMatchObject({ delivered: 1 });

    expect(fake.issues).toHaveLength(1);
    expect(await t.ticketRows()).toEqual([expect.objectContaining({ externalKey: 'SEC-1' })]);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue')).toHaveLength(
      1,
    );
  });

  it('does not open a second ServiceNow incident when the answer to a create was lost', async () => {
    const t = await setup();
    const { fake, channel } = await t.serviceNow();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    fake.loseNextAnswer();

    expect(await t.deliver()).toMatchObject({ failed: 1 });
    t.clock.advanceSeconds(30);
    expect(await t.deliver()).toMatchObject({ delivered: 1 });

    expect(fake.records).toHaveLength(1);
    expect(fake.records[0]).toMatchObject({
      correlation_id: ticketTag(alert.fingerprint),
      category: 'security',
    });
    expect(fake.records[0]?.description).toContain(`https://nhi.example.org/r/hub/alerts/${alert.id}`);
    expect(await t.ticketRows()).toEqual([
      expect.objectContaining({ externalKey: 'INC0010001', status: 'New', done: false }),
    ]);
  });

  it('resolves the alert when its Jira issue is closed, as the system naming the ticket, and moves the cursor', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    await t.deliver();
    fake.advanceMinutes(5);
    fake.close('SEC-1');

    expect(await t.tickets.syncNow({ channelId: channel.id })).toMatchObject({
      seen: 1,
      updated: 1,
      alertsChanged: 1,
    });
    expect(await t.alertState(alert.id)).toBe('resolved');
    expect((await t.historyOf(alert.id)).at(-1)).toEqual({
      fromState: 'open',
      toState: 'resolved',
      reason: 'Jira ticket SEC-1 was closed',
      actorType: 'system',
    });
    expect(await t.ticketRows()).toEqual([expect.objectContaining({ status: 'Done', done: true })]);
    const synced = await t.realmDb.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: channel.id },
        select: { syncCursor: true, lastSyncAt: true, lastSyncError: true },
      }),
    );
    expect(synced?.syncCursor).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(synced).toMatchObject({ lastSyncAt: t.clock.now(), lastSyncError: null });

    // Seen again: nothing changes twice, and the query starts at the cursor.
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({
      alertsChanged: 0,
      updated: 0,
    });
    const lastSearch = fake.requests.filter((r) => r.path === '/rest/api/3/search/jql').at(-1);
    const cursorTime = new Date(synced?.syncCursor?.replace('+0000', 'Z') ?? '').getTime();
    const since = new Date(cursorTime - 14 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(JSON.parse(lastSearch?.body ?? '{}').jql).toBe(
      `labels = nhi-hub AND updated >= "${since}" ORDER BY updated ASC`,
    );
    expect((await t.historyOf(alert.id)).filter((e) => e.toState === 'resolved')).toHaveLength(1);
    // The hub resolved nothing itself, so the tracker hears nothing back.
    expect((await t.outbox()).map((n) => n.kind)).toEqual(['ticket.create']);
  });

  it('reads every page of updated tickets (Jira Cloud tokens, Data Center startAt, ServiceNow offsets)', async () => {
    const t = await setup();
    const cloud = await t.jira({}, { pageSize: 2 });
    const datacenter = await startFakeJira({ flavour: 'datacenter', projectKey: 'DC', pageSize: 2 });
    const dc = await t.channels.create({
      type: 'jira',
      name: 'Jira DC',
      baseUrl: datacenter.baseUrl,
      flavour: 'datacenter',
      projectKey: 'DC',
      apiToken: datacenter.token,
    });
    const alerts = [await t.openAlert(), await t.openAlert(), await t.openAlert()];
    const ids = alerts.map((a) => a.id);
    await t.tickets.createMany({ alertIds: ids, channelId: cloud.channel.id });
    await t.tickets.createMany({ alertIds: ids, channelId: dc.id });
    await t.deliver();
    expect(datacenter.issues[0]?.description).toEqual(expect.stringContaining('What to do:'));
    for (const key of ['SEC-1', 'SEC-2', 'SEC-3']) cloud.fake.close(key);

    expect(await t.sync.syncChannel(t.hubRealm.id, cloud.channel.id)).toMatchObject({
      seen: 3,
      alertsChanged: 3,
    });
    const polls = cloud.fake.requests.filter((r) =>
      JSON.parse(r.body || '{}').jql?.startsWith('labels = nhi-hub'),
    );
    expect(polls.map((r) => JSON.parse(r.body).nextPageToken ?? null)).toEqual([null, expect.any(String)]);
    for (const key of ['DC-1', 'DC-2', 'DC-3']) datacenter.close(key);
    expect(await t.sync.syncChannel(t.hubRealm.id, dc.id)).toMatchObject({ seen: 3, updated: 3 });
    expect(
      datacenter.requests
        .filter((r) => JSON.parse(r.body || '{}').jql?.startsWith('labels = nhi-hub'))
        .map((r) => JSON.parse(r.body).startAt),
    ).toEqual([0, 2]);
    expect(datacenter.requests.every((r) => r.headers.authorization === `Bearer ${datacenter.token}`)).toBe(
      true,
    );
    for (const id of ids) expect(await t.alertState(id)).toBe('resolved');
  });

  it('acknowledges the alert when its ServiceNow incident is resolved, if the channel says so, over two pages', async () => {
    const t = await setup();
    const { fake, channel } = await t.serviceNow({ onTicketDone: 'acknowledge' });
    const alerts = [await t.openAlert(), await t.openAlert(), await t.openAlert()];
    await t.tickets.createMany({ alertIds: alerts.map((a) => a.id), channelId: channel.id });
    await t.deliver();
    fake.setPageSize(2);
    fake.advanceSeconds(10);
    for (const record of fake.records) fake.close(record.number, '6');

    // The page size the hub asks for is larger than what the fake gives: an empty third page ends it.
    const result = await t.sync.syncChannel(t.hubRealm.id, channel.id);
    expect(result).toMatchObject({ seen: 3, alertsChanged: 3 });
    expect(result.cursor).toBe(fake.records[2]?.sys_updated_on);
    for (const alert of alerts) expect(await t.alertState(alert.id)).toBe('acknowledged');
    // The next sync starts at the cursor.
    expect(await t.sync.syncChannel(t.hubRealm.id, channel.id)).toMatchObject({ alertsChanged: 0 });
    const queries = fake.requests
      .filter((r) => r.method === 'GET')
      .map((r) => new URL(r.path, 'http://x').searchParams);
    expect(queries.at(-1)?.get('sysparm_query')).toBe(
      `sys_updated_on>=${fourteenHoursBefore(result.cursor)}^correlation_idSTARTSWITHnhi-^ORDERBYsys_updated_on`,
    );
  });

  it('tells the tracker when the alert is resolved in the hub: a comment and the move to done', async () => {
    const t = await setup();
    const jira = await t.jira();
    const snow = await t.serviceNow();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: jira.channel.id });
    await t.tickets.create({ alertId: alert.id, channelId: snow.channel.id });
    await t.deliver();

    await (await t.serviceOf(t.ana)).resolve({ ids: [alert.id], comment: 'Owner assigned' });
    expect(await t.deliver()).toMatchObject({ delivered: 2, failed: 0 });

    const [issue] = jira.fake.issues;
    expect(issue?.status).toBe('Done');
    expect(JSON.stringify(issue?.comments)).toContain('The alert is resolved in NHI Hub: Owner assigned');
    expect(snow.fake.records[0]).toMatchObject({ state: '6', close_code: 'Solved (Permanently)' });
    expect(snow.fake.records[0]?.close_notes).toContain('Owner assigned');
    expect(snow.fake.workNotes.get(snow.fake.records[0]?.sys_id ?? '')).toHaveLength(1);
    // The poll then sees the tickets done; the alert stays resolved once.
    await t.sync.syncRealm(t.hubRealm.id);
    expect((await t.historyOf(alert.id)).filter((e) => e.toState === 'resolved')).toHaveLength(1);
  });

  it('answers UNAVAILABLE when the tracker cannot be read, keeps the error and the cursor, and catches up later', async () => {
    const t = await setup();
    const { fake, channel } = await t.serviceNow();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    await t.deliver();
    fake.close('INC0010001');
    fake.down();

    await expect(t.tickets.syncNow({ channelId: channel.id })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const failed = await t.realmDb.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: channel.id },
        select: { syncCursor: true, lastSyncError: true },
      }),
    );
    expect(failed).toEqual({ syncCursor: null, lastSyncError: expect.stringContaining('HTTP 503') });
    expect(await t.alertState(alert.id)).toBe('open');

    fake.up();
    expect(await t.tickets.syncNow({ channelId: channel.id })).toMatchObject({ alertsChanged: 1 });
    expect(await t.alertState(alert.id)).toBe('resolved');
  });

  it('applies a signed tracker webhook, refuses a bad signature, and a replay changes nothing', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    await t.deliver();
    fake.close('SEC-1');
    const body = JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { key: 'SEC-1' } });
    const { createHmac } = await import('node:crypto');
    const signed = `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`;
    const wrong = `sha256=${createHmac('sha256', 'another-secret-0123456789').update(body).digest('hex')}`;

    expect(await t.sync.receiveWebhook('hub', channel.id, body, wrong)).toBe(false);
    expect(await t.sync.receiveWebhook('hub', channel.id, `${body} `, signed)).toBe(false);
    expect(await t.sync.receiveWebhook('other', channel.id, body, signed)).toBe(false);
    expect(await t.alertState(alert.id)).toBe('open');

    expect(await t.sync.receiveWebhook('hub', channel.id, body, signed)).toBe(true);
    expect(await t.alertState(alert.id)).toBe('resolved');
    expect(await t.sync.receiveWebhook('hub', channel.id, body, signed)).toBe(true);
    expect((await t.historyOf(alert.id)).filter((e) => e.toState === 'resolved')).toHaveLength(1);
  });

  it('never shows, logs or queues a tracker secret', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const snow = await t.serviceNow();
    const alert = await t.openAlert();
    await t.tickets.create({ alertId: alert.id, channelId: channel.id });
    fake.down();
    await t.deliver();
    await t.sync.syncRealm(t.hubRealm.id);
    fake.up();
    t.clock.advanceSeconds(30);
    await t.deliver();

    const shown = JSON.stringify([
      channel,
      snow.channel,
      await t.channels.list(),
      await t.channels.overview(),
      await t.outbox(),
      await (await t.serviceOf(t.ana)).get(alert.id),
      t.logged,
    ]);
    expect(t.logged.length).toBeGreaterThan(0);
    for (const secret of [fake.token, snow.fake.password, webhookSecret]) expect(shown).not.toContain(secret);
    expect(channel).toMatchObject({
      hasSecret: true,
      settings: { hasWebhookSecret: true, projectKey: 'SEC' },
    });
    const stored = await t.realmDb.transaction((tx) =>
      tx.alertChannel.findMany({ select: { settings: true, encryptedSecret: true } }),
    );
    for (const secret of [fake.token, snow.fake.password, webhookSecret])
      expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('refuses a scoped member a ticket for another team’s alert (NOT_FOUND), and a channel that is no tracker', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira();
    const payments = await t.group('payments');
    const identity = await t.group('identity');
    const sam = await t.member('sam@example.com', 'hub', 'editor');
    registerScopedMembers(t.root, [
      { userId: sam.id, permissions: ['alert:read', 'alert:ack'], groupIds: [payments.id] },
    ]);
    const ours = await t.nhi({ ownerGroupId: payments.id });
    const theirs = await t.nhi({ ownerGroupId: identity.id });
    const raise = (nhiId: string) =>
      t.realmDb.transaction((tx) =>
        tx.alert.create({
          data: {
            fingerprint: `nhi7.no_expiry|${nhiId}`,
            ruleId: 'nhi7.no_expiry',
            owaspId: 'NHI7',
            severity: 'high',
            nhiId,
            subject: nhiId,
            firstSeenAt: t.clock.now(),
            lastSeenAt: t.clock.now(),
            stateChangedAt: t.clock.now(),
          },
          select: { id: true },
        }),
      );
    const alerts = { ours: (await raise(ours.id)).id, theirs: (await raise(theirs.id)).id };
    const alertOf = async (nhiId: string) => (nhiId === ours.id ? alerts.ours : alerts.theirs);
    const asSam = (await t.scopeOf(sam)).resolve(AlertTickets);

    await expect(
      asSam.create({ alertId: await alertOf(theirs.id), channelId: channel.id }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      asSam.createMany({
        alertIds: [await alertOf(ours.id), await alertOf(theirs.id)],
        channelId: channel.id,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.ticketRows()).toEqual([]);
    expect(await asSam.create({ alertId: await alertOf(ours.id), channelId: channel.id })).toMatchObject({
      done: false,
    });

    const webhook = await t.channels.create({
      type: 'webhook',
      name: 'SOC',
      url: 'https://example.org/hook',
    });
    await expect(
      t.tickets.create({ alertId: await alertOf(ours.id), channelId: webhook.id }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(fake.issues).toHaveLength(0);
  });
});
