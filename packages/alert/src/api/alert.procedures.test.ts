import { procedurePermissions, RealmDb, router, undeclaredProcedures } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { alertRouter } from './alert.procedures.ts';

const appRouter = router({ alert: alertRouter });
const procedures = alertRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: 'query' | 'mutation' } }
>;

it('declares a known permission on every procedure', () => {
  expect(undeclaredProcedures(alertRouter)).toEqual([]);
  expect(Object.fromEntries(procedurePermissions(alertRouter).map((p) => [p.path, p.permission]))).toEqual({
    context: 'alert:read',
    list: 'alert:read',
    groups: 'alert:read',
    filterOptions: 'alert:read',
    get: 'alert:read',
    risk: 'alert:read',
    ofNhi: 'alert:read',
    'rules.list': 'alert:read',
    acknowledge: 'alert:ack',
    resolve: 'alert:ack',
    suppress: 'alert:ack',
    'rules.configure': 'alert:configure',
    evaluate: 'alert:configure',
    'channels.list': 'alert:configure',
    'channels.page': 'alert:configure',
    'channels.create': 'alert:configure',
    'channels.update': 'alert:configure',
    'channels.delete': 'alert:configure',
    'channels.test': 'alert:configure',
    'deliveries.list': 'alert:configure',
    'deliveries.retry': 'alert:configure',
    assign: 'alert:ack',
    assignees: 'alert:ack',
    'comments.list': 'alert:read',
    'comments.add': 'alert:ack',
    'tickets.create': 'alert:ack',
    'tickets.createMany': 'alert:ack',
    'tickets.trackers': 'alert:ack',
    'tickets.sync': 'alert:ack',
  });
});

describeEachDatabase('alert.* over /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const n = await w.machine({ ownerUserId: null });
    await w.evaluate();
    const [alert] = await w.alerts();
    const tokens = {
      ana: await w.bearerOf(w.ana),
      eve: await w.bearerOf(w.eve),
      vic: await w.bearerOf(w.vic),
      oli: await w.bearerOf(w.oli, w.otherRealm),
    };
    async function call(bearer: string, path: string, input: unknown) {
      const type = procedures[path]?._def.type;
      if (!type) throw new Error(`No procedure alert.${path}`);
      const encoded = encodeURIComponent(JSON.stringify(input));
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(
          type === 'query'
            ? `http://hub.test/api/trpc/alert.${path}?input=${encoded}`
            : `http://hub.test/api/trpc/alert.${path}`,
          {
            method: type === 'query' ? 'GET' : 'POST',
            headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
            body: type === 'query' ? undefined : JSON.stringify(input),
          },
        ),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: w.root, requestId: 'req-http', req, resHeaders }),
      });
      // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
      return { status: response.status, body: (await response.json()) as any };
    }
    return { ...w, n, alert: alert ?? { id: '' }, tokens, call };
  }

  it('lets viewers read, editors triage and only admins configure rules', async () => {
    const t = await setup();
    const until = new Date(t.clock.now().getTime() + 86_400_000).toISOString();

    expect((await t.call(t.tokens.vic, 'list', {})).body.result.data.items).toHaveLength(1);
    expect((await t.call(t.tokens.vic, 'acknowledge', { ids: [t.alert.id] })).status).toBe(403);
    expect(
      (await t.call(t.tokens.eve, 'rules.configure', { ruleId: 'nhi7.no_expiry', enabled: false })).status,
    ).toBe(403);

    const suppressed = await t.call(t.tokens.eve, 'suppress', {
      ids: [t.alert.id],
      reason: 'Handover',
      until,
    });
    expect(suppressed.body.result.data).toEqual({ changed: 1, skipped: 0 });
    const configured = await t.call(t.tokens.ana, 'rules.configure', {
      ruleId: 'nhi7.no_expiry',
      enabled: false,
    });
    expect(configured.body.result.data).toMatchObject({
      id: 'nhi7.no_expiry',
      enabled: false,
      customised: true,
    });
  });

  it('tells each role what it may do with alerts, with the server’s time', async () => {
    const t = await setup();

    const viewer = (await t.call(t.tokens.vic, 'context', {})).body;
    const editor = (await t.call(t.tokens.eve, 'context', {})).body;
    const admin = (await t.call(t.tokens.ana, 'context', {})).body;

    expect(viewer.result.data.can).toEqual({ ack: false, configure: false });
    expect(editor.result.data.can).toEqual({ ack: true, configure: false });
    expect(admin.result.data.can).toEqual({ ack: true, configure: true });
    expect(new Date(admin.result.data.asOf)).toEqual(t.clock.now());
  });

  it('shows the channels page to admins only: the channels with their delivery log', async () => {
    const t = await setup();
    const created = await t.call(t.tokens.ana, 'channels.create', {
      type: 'webhook',
      name: 'SOC',
      url: 'https://hooks.test/soc',
    });
    await t.machine({ ownerUserId: null });
    await t.evaluate();

    const page = (await t.call(t.tokens.ana, 'channels.page', { limit: 10 })).body.result.data;
    const refused = await t.call(t.tokens.eve, 'channels.page', {});

    expect(created.body.result.data.signingSecret).toMatch(/^whsec_/);
    expect(page.channels).toEqual([
      expect.objectContaining({ name: 'SOC', settings: { url: 'https://hooks.test/soc' }, hasSecret: true }),
    ]);
    expect(page.deliveries).toEqual([expect.objectContaining({ channelName: 'SOC', kind: 'alert.opened' })]);
    expect(JSON.stringify(page)).not.toContain(created.body.result.data.signingSecret);
    expect(refused.status).toBe(403);
  });

  it('answers NOT_FOUND for alerts of another realm and a clear error for bad input', async () => {
    const t = await setup();

    for (const [path, input] of [
      ['get', { id: t.alert.id }],
      ['acknowledge', { ids: [t.alert.id] }],
      ['resolve', { ids: [t.alert.id] }],
    ] as const) {
      const response = await t.call(t.tokens.oli, path, input);
      expect(response.status, path).toBe(404);
    }
    expect((await t.call(t.tokens.oli, 'list', {})).body.result.data.items).toEqual([]);
    const bad = await t.call(t.tokens.eve, 'suppress', { ids: [t.alert.id], reason: 'x', until: 'soon' });
    expect(bad.status).toBe(400);
    expect((await t.call(t.tokens.ana, 'get', { id: t.alert.id })).body.result.data.state).toBe('open');
  });

  it('answers NOT_FOUND for every id of another realm: alerts, NHIs, channels, deliveries', async () => {
    const t = await setup();
    const channel = (
      await t.call(t.tokens.ana, 'channels.create', {
        type: 'webhook',
        name: 'SOC',
        url: 'https://hooks.test/soc',
      })
    ).body.result.data;
    // With the channel in place, the next alert that opens queues a delivery.
    await t.machine({ ownerUserId: null });
    await t.evaluate();
    const [delivery] = (await t.call(t.tokens.ana, 'deliveries.list', {})).body.result.data;
    const until = new Date(t.clock.now().getTime() + 86_400_000).toISOString();

    const notFound: Record<string, unknown> = {
      get: { id: t.alert.id },
      acknowledge: { ids: [t.alert.id] },
      resolve: { ids: [t.alert.id] },
      suppress: { ids: [t.alert.id], reason: 'Handover', until },
      risk: { nhiId: t.n.id },
      ofNhi: { nhiId: t.n.id },
      'channels.update': { id: channel.id, name: 'taken over' },
      'channels.delete': { id: channel.id },
      'channels.test': { id: channel.id },
      'deliveries.retry': { ids: [delivery.id] },
      assign: { id: t.alert.id, assigneeId: null },
      'comments.list': { id: t.alert.id },
      'comments.add': { id: t.alert.id, body: 'taken over' },
      'tickets.create': { alertId: t.alert.id, channelId: channel.id },
      'tickets.createMany': { alertIds: [t.alert.id], channelId: channel.id },
      'tickets.sync': { channelId: channel.id },
    };
    for (const [path, input] of Object.entries(notFound)) {
      const response = await t.call(t.tokens.oli, path, input);
      expect(response.status, `alert.${path}`).toBe(404);
      expect(response.body.error.data.code, `alert.${path}`).toBe('NOT_FOUND');
    }
    // The others take no id of the realm, or filter by one: they see the caller's realm only.
    const seen = {
      list: (await t.call(t.tokens.oli, 'list', { nhiId: t.n.id })).body.result.data.items,
      groups: (await t.call(t.tokens.oli, 'groups', { by: 'identity', nhiId: t.n.id })).body.result.data
        .groups,
      'channels.list': (await t.call(t.tokens.oli, 'channels.list', {})).body.result.data,
      'deliveries.list': (await t.call(t.tokens.oli, 'deliveries.list', { channelId: channel.id })).body
        .result.data,
      'channels.page': (await t.call(t.tokens.oli, 'channels.page', { channelId: channel.id })).body.result
        .data,
      'tickets.trackers': (await t.call(t.tokens.oli, 'tickets.trackers', {})).body.result.data,
    };
    const otherCalls = [
      'context',
      'rules.list',
      'rules.configure',
      'evaluate',
      'channels.create',
      'assignees',
      'filterOptions',
    ];
    expect(
      (await t.call(t.tokens.oli, 'rules.configure', { ruleId: 'nhi1.unowned', enabled: false })).status,
    ).toBe(200);

    expect(seen).toEqual({
      list: [],
      groups: [],
      'channels.list': [],
      'deliveries.list': [],
      'channels.page': { channels: [], deliveries: [], teams: [] },
      'tickets.trackers': [],
    });
    expect((await t.call(t.tokens.ana, 'get', { id: t.alert.id })).body.result.data.state).toBe('open');
    expect((await t.call(t.tokens.ana, 'channels.list', {})).body.result.data).toEqual([
      expect.objectContaining({ id: channel.id, name: 'SOC' }),
    ]);
    expect([...Object.keys(notFound), ...Object.keys(seen), ...otherCalls].sort()).toEqual(
      procedurePermissions(alertRouter)
        .map((p) => p.path)
        .sort(),
    );
  });

  it('answers NOT_FOUND for an NHI id that names nothing, and the score of one with no open alert', async () => {
    const t = await setup();
    const quiet = await t.nhi();

    const unknown = await t.call(t.tokens.vic, 'risk', { nhiId: '3f1c2a9e-0000-4000-8000-000000000000' });
    const calm = await t.call(t.tokens.vic, 'risk', { nhiId: quiet.id });

    expect(unknown.status).toBe(404);
    expect(calm.body.result.data).toMatchObject({ nhiId: quiet.id, score: 0, factors: [] });
  });

  it('keeps another realm’s alert rows invisible to raw SQL under row-level security', async () => {
    const t = await setup();
    const other = new RealmDb(t.db, t.otherRealm.id);

    const seen = await other.transaction(
      (tx) => tx.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM "Alert"`,
    );
    const events = await other.transaction(
      (tx) => tx.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM "AlertEvent"`,
    );

    expect(seen[0]?.count).toBe(0);
    expect(events[0]?.count).toBe(0);
  });
});
