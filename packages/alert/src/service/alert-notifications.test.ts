import { createHmac } from 'node:crypto';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startSmtpReceiver, startWebhookReceiver } from '../testing/notification-receivers.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { AlertDelivery } from './alert-delivery.ts';

describeEachDatabase('Alert notifications', (_kind, newDatabase) => {
  async function setup(env: Record<string, string> = {}) {
    const w = await setupAlerts(newDatabase, env);
    const scope = await w.scopeOf(w.ana);
    const channels = scope.resolve(AlertChannelService);
    const delivery = w.root.resolve(AlertDelivery);
    const deliver = (options = {}) => delivery.deliverDue(w.hubRealm.id, options);
    const notifications = () =>
      w.realmDb.transaction((tx) =>
        tx.alertNotification.findMany({
          select: { id: true, state: true, attempts: true, kind: true, recipient: true, channelId: true },
          orderBy: { createdAt: 'asc' },
        }),
      );
    /**
     * A real SMTP receiver and an email channel to it that writes to each NHI's owner first and to
     * secops@example.com for NHIs nobody owns.
     */
    const ownersByEmail = async (
      routing: { severities?: ('low' | 'medium' | 'high' | 'critical')[] } = {},
    ) => {
      const smtp = await startSmtpReceiver();
      await channels.create({
        type: 'email',
        name: 'Owners',
        host: '127.0.0.1',
        port: smtp.port(),
        from: 'nhi-hub@example.com',
        toOwner: true,
        recipients: ['secops@example.com'],
        ...routing,
      });
      return smtp;
    };
    return { ...w, channels, deliver, notifications, ownersByEmail };
  }

  it('queues a notification with the alert and delivers it once to a webhook, signed', async () => {
    const t = await setup();
    const receiver = await startWebhookReceiver();
    const channel = await t.channels.create({
      type: 'webhook',
      name: 'SOC',
      url: receiver.url,
      hubUrl: 'https://hub.example',
    });
    const n = await t.machine({ ownerUserId: null });

    expect(await t.evaluate()).toMatchObject({ opened: 1, notifications: 1 });
    expect(await t.notifications()).toEqual([
      expect.objectContaining({ state: 'pending', kind: 'alert.opened' }),
    ]);
    expect(await t.deliver()).toEqual({ delivered: 1, failed: 0, dead: 0 });
    await t.evaluate();
    expect(await t.deliver()).toEqual({ delivered: 0, failed: 0, dead: 0 });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    const timestamp = String(request?.headers['x-nhi-timestamp']);
    const expected = createHmac('sha256', channel.signingSecret ?? '')
      .update(`${timestamp}.${request?.body}`)
      .digest('hex');
    expect(request?.headers['x-nhi-signature']).toBe(`v1=${expected}`);
    const body = JSON.parse(request?.body ?? '{}');
    expect(body).toMatchObject({
      type: 'alert.opened',
      alerts: [
        {
          ruleId: 'nhi1.unowned',
          owaspId: 'NHI1',
          severity: 'medium',
          nhiId: n.id,
          nhi: n.name,
          title: 'Machine identity without an owner',
        },
      ],
    });
    expect(body.alerts[0].link).toBe(`https://hub.example/r/hub/alerts/${body.alerts[0].alertId}`);
    expect(request?.headers['x-nhi-delivery']).toBe(body.id);
  });

  it('links each alert to its page in its realm through the hub public URL when the channel names none', async () => {
    const t = await setup({ NHI_PUBLIC_URL: 'https://nhi.example.org/' });
    const receiver = await startWebhookReceiver();
    await t.channels.create({ type: 'webhook', name: 'SOC', url: receiver.url });
    await t.machine({ ownerUserId: null });
    await t.evaluate();

    expect(await t.deliver()).toMatchObject({ delivered: 1 });
    const [alert] = JSON.parse(receiver.received[0]?.body ?? '{}').alerts;
    expect(alert.link).toBe(`https://nhi.example.org/r/hub/alerts/${alert.alertId}`);
  });

  it('retries with exponential backoff, records each attempt, and gives up visibly until retried', async () => {
    const t = await setup();
    const receiver = await startWebhookReceiver();
    await t.channels.create({ type: 'webhook', name: 'SOC', url: receiver.url });
    await t.machine({ ownerUserId: null });
    await t.evaluate();
    receiver.answer(500, 503, 500);

    expect(await t.deliver({ maxAttempts: 3 })).toMatchObject({ failed: 1, dead: 0 });
    t.clock.advanceSeconds(29);
    expect(await t.deliver({ maxAttempts: 3 })).toMatchObject({ failed: 0 });
    t.clock.advanceSeconds(1);
    expect(await t.deliver({ maxAttempts: 3 })).toMatchObject({ failed: 1, dead: 0 });
    t.clock.advanceSeconds(60);
    expect(await t.deliver({ maxAttempts: 3 })).toMatchObject({ failed: 1, dead: 1 });

    const [dead] = await t.channels.deliveries({ states: ['dead'] });
    expect(dead?.history.map((a) => [a.attempt, a.ok, a.status])).toEqual([
      [1, false, 500],
      [2, false, 503],
      [3, false, 500],
    ]);
    expect(dead?.lastError).toBe('HTTP 500');

    expect(await t.channels.retry({ ids: [dead?.id ?? ''] })).toEqual({ retried: 1 });
    expect(await t.deliver()).toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(4);
  });

  it('emails the NHI owner first and the channel’s addresses for unowned NHIs, across an SMTP outage', async () => {
    const t = await setup();
    const smtp = await t.ownersByEmail({ severities: ['medium'] });
    const owned = await t.nhi({ ownerUserId: t.eve.id });
    await t.credential(owned.id, { lastUsedAt: t.daysAgo(120) });
    const unowned = await t.machine({ ownerUserId: null });
    await smtp.stop();
    await t.evaluate();

    expect(await t.deliver()).toMatchObject({ delivered: 0, failed: 2 });
    await smtp.start();
    t.clock.advanceSeconds(30);
    expect(await t.deliver()).toMatchObject({ delivered: 2, failed: 0 });

    const byRecipient = Object.fromEntries(smtp.received.map((mail) => [mail.to.join(','), mail.data]));
    expect(Object.keys(byRecipient).sort()).toEqual(['eve@example.com', 'secops@example.com']);
    expect(byRecipient['eve@example.com']).toMatch(/Active credential unused for a long time/);
    expect(byRecipient['secops@example.com']).toMatch(
      new RegExp(`Machine identity without an owner on ${unowned.name}`),
    );
  });

  it('emails the members of the group that owns an NHI, and only them', async () => {
    const t = await setup();
    const smtp = await t.ownersByEmail();
    const team = await t.group('Payments team');
    const other = await t.group('Data team');
    await t.realmDb.transaction((tx) =>
      tx.policyGroupMember.createMany({
        data: [
          { groupId: team.id, userId: t.eve.id },
          { groupId: team.id, userId: t.vic.id },
          { groupId: other.id, userId: t.ana.id },
        ],
      }),
    );
    const owned = await t.machine({ ownerUserId: null, ownerGroupId: team.id });
    await t.credential(owned.id, { lastUsedAt: t.daysAgo(120) });
    await t.evaluate();

    expect(await t.deliver()).toMatchObject({ delivered: 1, failed: 0 });
    expect(smtp.received.map((mail) => mail.to.sort())).toEqual([['eve@example.com', 'vic@example.com']]);
    expect(smtp.received[0]?.data).toMatch(
      new RegExp(`Active credential unused for a long time on ${owned.name}`),
    );
  });

  it('sends a notification claimed by a sender that crashed once its lease ends, and only once', async () => {
    const t = await setup();
    const receiver = await startWebhookReceiver();
    await t.channels.create({ type: 'webhook', name: 'SOC', url: receiver.url });
    await t.machine({ ownerUserId: null });
    await t.evaluate();
    // What a worker killed between claiming and recording leaves behind.
    await t.realmDb.transaction((tx) =>
      tx.alertNotification.updateMany({
        data: { state: 'sending', lockedUntil: new Date(t.clock.now().getTime() + 120_000) },
      }),
    );

    expect(await t.deliver()).toMatchObject({ delivered: 0 });
    t.clock.advanceSeconds(120);
    expect(await t.deliver()).toMatchObject({ delivered: 1 });
    expect(await t.deliver()).toMatchObject({ delivered: 0 });

    expect(receiver.received).toHaveLength(1);
  });

  it('routes by severity, rule and environment, and sends digests as one message per window', async () => {
    const t = await setup();
    const critical = await startWebhookReceiver();
    const digest = await startWebhookReceiver();
    await t.channels.create({
      type: 'webhook',
      name: 'Critical',
      url: critical.url,
      severities: ['critical'],
    });
    await t.channels.create({
      type: 'webhook',
      name: 'Staging digest',
      url: digest.url,
      environments: ['staging'],
      ruleIds: ['nhi1.unowned'],
      digestMinutes: 60,
    });
    await t.machine({ ownerUserId: null, environment: 'staging' });
    await t.machine({ ownerUserId: null, environment: 'staging' });
    await t.machine({ ownerUserId: null, environment: 'production' });
    await t.evaluate();

    expect(await t.deliver()).toMatchObject({ delivered: 0 });
    t.clock.advanceSeconds(3600);
    expect(await t.deliver()).toMatchObject({ delivered: 2 });

    expect(critical.received).toEqual([]);
    expect(digest.received).toHaveLength(1);
    const body = JSON.parse(digest.received[0]?.body ?? '{}');
    expect(body.type).toBe('alert.digest');
    expect(body.alerts.map((a: { environment: string }) => a.environment)).toEqual(['staging', 'staging']);
  });

  it('routes a team’s alerts to the channel serving its subtree, and unowned ones only to channels serving all', async () => {
    const t = await setup();
    const group = (name: string, parentId: string | null = null) =>
      t.realmDb.transaction((tx) =>
        tx.policyGroup.create({ data: { name, parentId }, select: { id: true } }),
      );
    const platform = await group('Platform');
    const payments = await group('Payments', platform.id);
    const search = await group('Search');
    const platformHook = await startWebhookReceiver();
    const everyone = await startWebhookReceiver();
    await t.channels.create({
      type: 'webhook',
      name: 'Platform',
      url: platformHook.url,
      ownerGroupIds: [platform.id],
    });
    await t.channels.create({ type: 'webhook', name: 'Everyone', url: everyone.url });
    // Keys unrotated for 400 days: an alert whoever owns the identity.
    const stale = async (owner: { id: string } | null) => {
      const n = await t.nhi({ ownerUserId: t.ana.id, ownerGroupId: owner?.id ?? null });
      await t.credential(n.id, { lastRotatedAt: t.daysAgo(400), createdAt: t.daysAgo(400) });
      return n;
    };
    const ofPayments = await stale(payments);
    await stale(search);
    await stale(null);
    await t.evaluate();
    await t.deliver();

    const alertNhis = (hook: typeof everyone) =>
      hook.received.flatMap((r) => JSON.parse(r.body).alerts.map((a: { nhiId: string }) => a.nhiId));
    expect(alertNhis(platformHook)).toEqual(expect.arrayContaining([ofPayments.id]));
    expect(new Set(alertNhis(platformHook))).toEqual(new Set([ofPayments.id]));
    expect(new Set(alertNhis(everyone)).size).toBe(3);
  });

  it('refuses a team that is not a group of the realm', async () => {
    const t = await setup();
    await expect(
      t.channels.create({
        type: 'webhook',
        name: 'Nobody',
        url: 'https://example.com/hook',
        ownerGroupIds: ['00000000-0000-4000-8000-000000000000'],
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await t.channels.list()).toEqual([]);
  });

  it('tells the case from its evidence in Slack blocks, email and webhook bodies', async () => {
    const t = await setup();
    const receiver = await startWebhookReceiver();
    await t.channels.create({ type: 'slack', name: 'Slack', webhookUrl: `${receiver.url}/slack` });
    await t.channels.create({ type: 'webhook', name: 'SOC', url: receiver.url });
    await t.leak('fp-token', null, { secretType: 'github_token', verification: 'live' });
    await t.evaluate();

    expect(await t.deliver()).toMatchObject({ delivered: 2 });

    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    const slack = bodies.find((b) => b.blocks);
    const where = 'Found in deploy/.env:3 by aws-access-token: AKIA…WXYZ';
    expect(slack.text).toMatch(/\[CRITICAL\] NHI2 Leaked secret of no known credential/);
    expect(JSON.stringify(slack.blocks)).toContain(where);
    expect(JSON.stringify(slack.blocks)).toContain('Secret type: github token; verified live');
    const webhook = bodies.find((b) => b.type === 'alert.opened');
    expect(webhook.alerts[0].details).toContain(where);
  });

  it('sends a test message on demand and never returns or stores a channel secret in clear', async () => {
    const t = await setup();
    const receiver = await startWebhookReceiver();
    const channel = await t.channels.create({ type: 'webhook', name: 'SOC', url: receiver.url });
    await t.channels.create({
      type: 'slack',
      name: 'Slack',
      webhookUrl: `${receiver.url}/slack-secret-path`,
    });

    expect(await t.channels.sendTest(channel.id)).toMatchObject({ ok: true, status: 200 });
    const slack = (await t.channels.list()).find((c) => c.type === 'slack');
    expect(await t.channels.sendTest(slack?.id ?? '')).toMatchObject({ ok: true });

    expect(receiver.received.map((r) => JSON.parse(r.body).type ?? 'slack')).toEqual(['test', 'slack']);
    expect(JSON.parse(receiver.received[1]?.body ?? '{}').text).toMatch(
      /\[CRITICAL\] NHI2 Leaked secret still active/,
    );
    const listed = JSON.stringify(await t.channels.list());
    expect(listed).not.toContain(channel.signingSecret);
    expect(listed).not.toContain('slack-secret-path');
    const stored = JSON.stringify(await t.db.systemPrisma.alertChannel.findMany());
    expect(stored).not.toContain(channel.signingSecret);
    expect(stored).not.toContain('slack-secret-path');
  });

  it('refuses to rename a channel onto another channel’s name, as it refuses to create one', async () => {
    const t = await setup();
    await t.channels.create({ type: 'webhook', name: 'SOC', url: 'http://127.0.0.1:9/soc' });
    const other = await t.channels.create({ type: 'webhook', name: 'Ops', url: 'http://127.0.0.1:9/ops' });

    await expect(t.channels.update({ id: other.id, name: 'SOC' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await t.channels.list()).map((c) => c.name).sort()).toEqual(['Ops', 'SOC']);
  });
});
