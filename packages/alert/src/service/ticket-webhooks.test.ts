import { type Logger, PLATFORM_DATABASE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { type FakeJiraOptions, startFakeJira } from '../testing/fake-jira-server.ts';
import { startFakeServiceNow } from '../testing/fake-servicenow-server.ts';
import { signedWebhook } from '../testing/fake-tracker-http.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { AlertDelivery } from './alert-delivery.ts';
import { AlertTickets } from './alert-tickets.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { TicketSync, ticketNamedBy } from './ticket-sync.ts';

const webhookSecret = 'tracker-webhook-secret-0123456789';
const quiet = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

it('finds the ticket a webhook body names in each tracker’s payload, and none in anything else', () => {
  const sysId = '9d385017c611228701d22104cc95c371';
  expect(ticketNamedBy('jira', JSON.stringify({ issue: { id: '10002', key: 'SEC-2' } }))).toEqual({
    id: '10002',
    key: 'SEC-2',
  });
  expect(ticketNamedBy('jira', JSON.stringify({ issue: { id: 10002 } }))).toEqual({ id: '10002' });
  expect(ticketNamedBy('servicenow', JSON.stringify({ sys_id: sysId, number: 'INC0010002' }))).toEqual({
    id: sysId,
    key: 'INC0010002',
  });
  for (const [type, body] of [
    ['jira', JSON.stringify({ webhookEvent: 'project_updated', project: { id: '10000' } })],
    ['jira', JSON.stringify({ issue: { id: '1 OR 1=1', key: '../SEC-1' } })],
    ['jira', JSON.stringify({ sys_id: sysId })],
    ['servicenow', JSON.stringify({ sys_id: 'not-a-sys-id' })],
    ['servicenow', 'not json'],
    ['servicenow', 'null'],
  ] as const)
    expect(ticketNamedBy(type, body), body).toBeNull();
});

describeEachDatabase('Tracker webhooks', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const scope = await w.scopeOf(w.ana);
    const channels = scope.resolve(AlertChannelService);
    const tickets = scope.resolve(AlertTickets);
    const delivery = w.root.resolve(AlertDelivery);
    const sync = new TicketSync(
      w.root.resolve(PLATFORM_DATABASE),
      w.clock,
      w.root.resolve(ChannelSecrets),
      quiet,
    );

    async function jira(name: string, options: FakeJiraOptions = {}) {
      const fake = await startFakeJira(options);
      const channel = await channels.create({
        type: 'jira',
        name,
        baseUrl: fake.baseUrl,
        flavour: fake.flavour,
        projectKey: fake.projectKey,
        ...(fake.flavour === 'cloud' ? { email: fake.email } : {}),
        apiToken: fake.token,
        webhookSecret,
      });
      return { fake, channel };
    }

    async function serviceNow() {
      const fake = await startFakeServiceNow();
      const channel = await channels.create({
        type: 'servicenow',
        name: 'ServiceNow',
        instanceUrl: fake.instanceUrl,
        username: fake.username,
        password: fake.password,
        webhookSecret,
      });
      return { fake, channel };
    }

    /** Open alerts (nhi1.unowned on unowned identities), each with a ticket on the channel: alert ids by ticket key. */
    async function ticketedAlerts(count: number, channelId: string) {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const nhi = await w.machine({ ownerUserId: null });
        await w.evaluate();
        const alert = (await w.alerts()).find((a) => a.nhiId === nhi.id && a.ruleId === 'nhi1.unowned');
        if (!alert) throw new Error('no alert');
        ids.push(alert.id);
      }
      await tickets.createMany({ alertIds: ids, channelId });
      await delivery.deliverDue(w.hubRealm.id);
      const rows = await w.realmDb.transaction((tx) =>
        tx.alertTicket.findMany({ where: { channelId }, select: { alertId: true, externalKey: true } }),
      );
      return new Map(rows.map((row) => [row.externalKey ?? '', row.alertId]));
    }

    const receive = (channelId: string, hook: { body: string; signature: string }) =>
      sync.receiveWebhook('hub', channelId, hook.body, hook.signature);
    const alertState = async (id: string) => (await w.alerts()).find((a) => a.id === id)?.state;
    const channelRow = (id: string) =>
      w.realmDb.transaction((tx) =>
        tx.alertChannel.findFirst({
          where: { id },
          select: { syncCursor: true, lastSyncAt: true, lastSyncError: true },
        }),
      );
    const resolutions = (alertId: string) =>
      w.realmDb.transaction((tx) => tx.alertEvent.count({ where: { alertId, toState: 'resolved' } }));
    return { ...w, sync, jira, serviceNow, ticketedAlerts, receive, alertState, channelRow, resolutions };
  }

  it('reads only the Jira issue a webhook names, Cloud and Data Center, resolves its alert, and keeps the cursor', async () => {
    const t = await setup();
    const cloud = await t.jira('Jira');
    const dc = await t.jira('Jira DC', { flavour: 'datacenter', projectKey: 'DC' });
    const alerts = await t.ticketedAlerts(2, cloud.channel.id);
    const [closed, other] = [alerts.get('SEC-1') ?? '', alerts.get('SEC-2') ?? ''];
    const closedDc = (await t.ticketedAlerts(1, dc.channel.id)).get('DC-1') ?? '';
    await t.sync.syncChannel(t.hubRealm.id, cloud.channel.id);
    const before = await t.channelRow(cloud.channel.id);
    cloud.fake.advanceMinutes(5);
    cloud.fake.close('SEC-1');
    cloud.fake.close('SEC-2');
    dc.fake.close('DC-1');
    const seenBefore = { cloud: cloud.fake.requests.length, dc: dc.fake.requests.length };

    expect(await t.receive(cloud.channel.id, cloud.fake.signedWebhook(webhookSecret, 'SEC-1'))).toBe(true);
    expect(await t.receive(dc.channel.id, dc.fake.signedWebhook(webhookSecret, 'DC-1'))).toBe(true);

    const asked = (requests: typeof cloud.fake.requests, from: number) =>
      requests.slice(from).map((r) => `${r.method} ${r.path}`);
    expect(asked(cloud.fake.requests, seenBefore.cloud)).toEqual([
      `GET /rest/api/3/issue/${cloud.fake.issues.find((i) => i.key === 'SEC-1')?.id}?fields=status,updated`,
    ]);
    expect(asked(dc.fake.requests, seenBefore.dc)).toEqual([
      `GET /rest/api/2/issue/${dc.fake.issues[0]?.id}?fields=status,updated`,
    ]);
    expect(await t.alertState(closed)).toBe('resolved');
    expect(await t.alertState(closedDc)).toBe('resolved');
    // SEC-2 was closed too, but the webhook named SEC-1 only: the next cursor sync brings it.
    expect(await t.alertState(other)).toBe('open');
    expect(await t.channelRow(cloud.channel.id)).toEqual(before);

    // A replay reads the issue again and changes nothing.
    expect(await t.receive(cloud.channel.id, cloud.fake.signedWebhook(webhookSecret, 'SEC-1'))).toBe(true);
    expect(await t.resolutions(closed)).toBe(1);
    expect(await t.sync.syncChannel(t.hubRealm.id, cloud.channel.id)).toMatchObject({ alertsChanged: 1 });
    expect(await t.alertState(other)).toBe('resolved');
  });

  it('reads only the ServiceNow record a business rule’s message names, by its sys_id', async () => {
    const t = await setup();
    const { fake, channel } = await t.serviceNow();
    const alerts = await t.ticketedAlerts(2, channel.id);
    const [first, second] = [alerts.get('INC0010001') ?? '', alerts.get('INC0010002') ?? ''];
    fake.advanceSeconds(10);
    fake.close('INC0010001', '6');
    fake.close('INC0010002', '6');
    const seenBefore = fake.requests.length;

    expect(await t.receive(channel.id, fake.signedWebhook(webhookSecret, 'INC0010002'))).toBe(true);

    expect(fake.requests.slice(seenBefore).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/now/table/incident/${fake.records.find((r) => r.number === 'INC0010002')?.sys_id}?sysparm_fields=sys_id%2Cnumber%2Cstate%2Csys_updated_on`,
    ]);
    expect(await t.alertState(second)).toBe('resolved');
    expect(await t.alertState(first)).toBe('open');
    expect(await t.channelRow(channel.id)).toMatchObject({ syncCursor: null, lastSyncAt: null });
  });

  it('changes nothing for a ticket the realm does not have, and syncs from the cursor when the body names no ticket', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira('Jira');
    const alert = (await t.ticketedAlerts(1, channel.id)).get('SEC-1') ?? '';
    fake.close('SEC-1');
    const unknownIssue = { webhookEvent: 'jira:issue_updated', issue: { id: '99999', key: 'SEC-999' } };
    const seenBefore = fake.requests.length;

    expect(await t.receive(channel.id, signedWebhook(webhookSecret, unknownIssue))).toBe(true);
    // Not even asked for: the tracker hears nothing about a ticket that is not the hub's.
    expect(fake.requests.length).toBe(seenBefore);
    expect(await t.alertState(alert)).toBe('open');

    const noIssue = { webhookEvent: 'comment_created', comment: { id: '10010', body: 'Looking into it' } };
    expect(await t.receive(channel.id, signedWebhook(webhookSecret, noIssue))).toBe(true);
    expect(fake.requests.slice(seenBefore).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /rest/api/3/search/jql',
    ]);
    expect(await t.alertState(alert)).toBe('resolved');
    expect((await t.channelRow(channel.id))?.syncCursor).toBe(
      fake.issues[0]?.updated.toISOString().replace('Z', '+0000'),
    );
  });

  it('answers a webhook for a tracker it cannot read with an error kept on the channel, and its cursor left alone', async () => {
    const t = await setup();
    const { fake, channel } = await t.jira('Jira');
    const alert = (await t.ticketedAlerts(1, channel.id)).get('SEC-1') ?? '';
    fake.close('SEC-1');
    fake.down();

    await expect(t.receive(channel.id, fake.signedWebhook(webhookSecret, 'SEC-1'))).rejects.toThrow(
      /HTTP 503/,
    );
    expect(await t.channelRow(channel.id)).toEqual({
      syncCursor: null,
      lastSyncAt: null,
      lastSyncError: expect.stringContaining('HTTP 503'),
    });
    expect(await t.alertState(alert)).toBe('open');
  });
});
