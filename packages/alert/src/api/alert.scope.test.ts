import { type Coverage, procedurePermissions } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers, trpcOverHttp } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { alertSearchHits } from '../service/alert-search.ts';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { alertRouter } from './alert.procedures.ts';

describeEachDatabase('alert.* for a member scoped to a team', (_kind, newDatabase) => {
  /**
   * Two teams: payments (Sam's scope) owns `ours` (two alerts) and `also` (one); identity owns
   * `theirs` (two alerts, one of a rule nobody else raised). `unowned` has no team and one alert, and
   * one alert is about no identity. Sam holds alert:read and alert:ack over payments only.
   */
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const payments = await w.group('payments');
    const identity = await w.group('identity');
    const sam = await w.member('sam@example.com', 'hub', 'editor');
    registerScopedMembers(w.root, [
      { userId: sam.id, permissions: ['alert:read', 'alert:ack'], groupIds: [payments.id] },
    ]);
    const ours = await w.nhi({ ownerGroupId: payments.id });
    const also = await w.nhi({ ownerGroupId: payments.id });
    const theirs = await w.nhi({ ownerGroupId: identity.id });
    const unowned = await w.nhi({ ownerUserId: null });
    let serial = 0;
    const raise = (nhiId: string | null, ruleId: string, severity: 'low' | 'high' | 'critical') => {
      serial += 1;
      return w.realmDb.transaction((tx) =>
        tx.alert.create({
          data: {
            fingerprint: `fp-${serial}`,
            ruleId,
            owaspId: ruleId.slice(0, 4).toUpperCase(),
            severity,
            nhiId,
            subject: `subject-${serial}`,
            firstSeenAt: w.daysAgo(serial + 1),
            lastSeenAt: w.daysAgo(serial),
            stateChangedAt: w.daysAgo(serial),
          },
          select: { id: true, nhiId: true, ruleId: true },
        }),
      );
    };
    const own = [
      await raise(ours.id, 'nhi7.no_expiry', 'critical'),
      await raise(ours.id, 'nhi1.unowned', 'low'),
      await raise(also.id, 'nhi7.no_expiry', 'high'),
    ];
    const other = {
      team: await raise(theirs.id, 'nhi7.no_expiry', 'critical'),
      rule: await raise(theirs.id, 'nhi1.owner_inactive', 'high'),
      unowned: await raise(unowned.id, 'nhi1.unowned', 'low'),
      central: await raise(null, 'nhi1.unowned_share', 'high'),
    };
    const tokens = { sam: await w.bearerOf(sam), eve: await w.bearerOf(w.eve) };

    const call = trpcOverHttp(w.root, 'alert', alertRouter);
    const asSam = async (path: string, input: unknown = {}) => {
      const response = await call(tokens.sam, path, input);
      if (response.status !== 200) throw new Error(`alert.${path}: ${response.status}`);
      return response.body.result.data;
    };

    /** Everything a triage call could change: states, assignments, history and comments. */
    const snapshot = () =>
      w.realmDb.transaction(async (tx) => ({
        alerts: await tx.alert.findMany({
          select: { id: true, state: true, assigneeId: true, dueAt: true, suppressedUntil: true },
          orderBy: { id: 'asc' },
        }),
        events: await tx.alertEvent.count(),
        comments: await tx.alertComment.count(),
      }));

    return { ...w, payments, sam, ours, also, theirs, unowned, own, other, tokens, call, asSam, snapshot };
  }

  it('answers NOT_FOUND for every alert and identity outside the team, and changes nothing', async () => {
    const t = await setup();
    const until = t.daysAhead(1).toISOString();
    // A ticket tracker of the realm, so a ticket ask is refused for the alert, not for the channel.
    const tracker = await t.realmDb.transaction((tx) =>
      tx.alertChannel.create({
        data: {
          type: 'jira',
          name: 'Jira',
          settings: { baseUrl: 'https://jira.example', projectKey: 'SEC' },
        },
        select: { id: true },
      }),
    );
    const byAlert = (id: string): Record<string, unknown> => ({
      'tickets.create': { alertId: id, channelId: tracker.id },
      'tickets.createMany': { alertIds: [id], channelId: tracker.id },
      get: { id },
      acknowledge: { ids: [id] },
      resolve: { ids: [id] },
      suppress: { ids: [id], reason: 'Handover', until },
      assign: { id, assigneeId: t.sam.id },
      'comments.list': { id },
      'comments.add': { id, body: 'taken over' },
    });
    const byIdentity = (nhiId: string): Record<string, unknown> => ({ risk: { nhiId }, ofNhi: { nhiId } });
    const probes = [
      ['another team’s', { ...byAlert(t.other.team.id), ...byIdentity(t.theirs.id) }],
      ['an unowned identity’s', { ...byAlert(t.other.unowned.id), ...byIdentity(t.unowned.id) }],
      ['the central team’s', byAlert(t.other.central.id)],
    ] as const;
    const before = await t.snapshot();

    for (const [whose, inputs] of probes) {
      for (const [path, input] of Object.entries(inputs)) {
        const response = await t.call(t.tokens.sam, path, input);
        expect(response.status, `alert.${path} on ${whose}`).toBe(404);
        expect(response.body.error.data.code, `alert.${path} on ${whose}`).toBe('NOT_FOUND');
      }
    }
    const filtered = {
      list: (await t.asSam('list', { nhiId: t.theirs.id })).total,
      groups: (await t.asSam('groups', { by: 'identity', nhiId: t.theirs.id })).groups,
      filterOptions: (await t.asSam('filterOptions')).rules.map((rule: { id: string }) => rule.id),
    };

    expect(filtered).toEqual({ list: 0, groups: [], filterOptions: ['nhi1.unowned', 'nhi7.no_expiry'] });
    expect(await t.snapshot()).toEqual(before);
    // Reads with no alert or identity to name, and what only alert:configure may do (Sam holds neither).
    const noIdentity = ['context', 'rules.list', 'assignees', 'tickets.trackers', 'tickets.sync'];
    const configureOnly = procedurePermissions(alertRouter)
      .filter((p) => p.permission === 'alert:configure')
      .map((p) => p.path);
    for (const path of configureOnly) {
      expect((await t.call(t.tokens.sam, path, {})).status, `alert.${path}`).toBe(403);
    }
    expect(
      [
        ...new Set(probes.flatMap(([, inputs]) => Object.keys(inputs))),
        ...Object.keys(filtered),
        ...noIdentity,
      ]
        .concat(configureOnly)
        .sort(),
    ).toEqual(
      procedurePermissions(alertRouter)
        .map((p) => p.path)
        .sort(),
    );
  });

  it('lists, counts and groups the team’s alerts only, page by page', async () => {
    const t = await setup();
    const ownIds = t.own.map((alert) => alert.id).sort();
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; total: number; nextCursor: string | null } = await t.asSam(
        'list',
        { limit: 1, ...(cursor ? { cursor } : {}) },
      );
      expect(page.total).toBe(3);
      pages.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);

    const byIdentity = (await t.asSam('groups', { by: 'identity' })).groups;
    const byRule = (await t.asSam('groups', { by: 'rule' })).groups;
    const fromTheirs = await t.asSam('list', { cursor: t.other.team.id });
    const options = await t.asSam('filterOptions');
    const everyone = (await t.call(t.tokens.eve, 'list', {})).body.result.data;

    expect(pages.sort()).toEqual(ownIds);
    expect(byIdentity.map((g: { key: string; count: number }) => [g.key, g.count])).toEqual([
      [t.ours.id, 2],
      [t.also.id, 1],
    ]);
    expect(byRule.map((g: { key: string; count: number }) => [g.key, g.count])).toEqual([
      ['nhi7.no_expiry', 2],
      ['nhi1.unowned', 1],
    ]);
    // Another team's alert starts no page: its sort values are not the caller's to page from.
    expect(fromTheirs.items).toEqual([]);
    expect(options.teams).toEqual([{ id: t.payments.id, name: 'payments' }]);
    expect(everyone.total).toBe(7);
  });

  it('lets the member read and triage the team’s alerts', async () => {
    const t = await setup();
    const [first] = t.own;
    const id = first?.id ?? '';

    const detail = await t.asSam('get', { id });
    const ofNhi = await t.asSam('ofNhi', { nhiId: t.ours.id });
    const risk = await t.asSam('risk', { nhiId: t.ours.id });
    const assigned = await t.asSam('assign', { id, assigneeId: t.sam.id });
    await t.asSam('comments.add', { id, body: 'On it' });
    const comments = await t.asSam('comments.list', { id });
    const acknowledged = await t.asSam('acknowledge', { ids: t.own.map((alert) => alert.id) });

    expect(detail.id).toBe(id);
    expect(ofNhi.alerts).toHaveLength(2);
    expect(risk.nhiId).toBe(t.ours.id);
    expect(assigned.assignee).toBe('sam@example.com');
    expect(comments.map((comment: { body: string }) => comment.body)).toEqual(['On it']);
    expect(acknowledged).toEqual({ changed: 3, skipped: 0 });
  });

  it('refuses a bulk change that reaches beyond the team as a whole, changing nothing', async () => {
    const t = await setup();
    const before = await t.snapshot();
    const mixed = [...t.own.map((alert) => alert.id), t.other.team.id];

    const suppressed = await t.call(t.tokens.sam, 'suppress', {
      ids: mixed,
      reason: 'Handover',
      until: t.daysAhead(1).toISOString(),
    });
    const resolved = await t.call(t.tokens.sam, 'resolve', { ids: mixed });

    expect([suppressed.status, suppressed.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect([resolved.status, resolved.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect(await t.snapshot()).toEqual(before);
  });

  it('finds in the quick search only the alerts the coverage reaches', async () => {
    const t = await setup();
    const team: Coverage = { kind: 'groups', groupIds: [t.payments.id], scopeGroupIds: [t.payments.id] };
    const search = (coverage: Coverage, nhiIds: string[]) =>
      t.realmDb.read((query) => alertSearchHits(query, t.hubRealm.id, 'nhi', nhiIds, 10, coverage));
    const ids = (hits: { id: string }[]) => hits.map((hit) => hit.id).sort();

    const byRule = await search(team, []);
    const byIdentity = await search(team, [t.ours.id, t.theirs.id]);
    const realmWide = await search({ kind: 'all' }, []);

    expect(ids(byRule)).toEqual(t.own.map((alert) => alert.id).sort());
    expect(ids(byIdentity)).toEqual(t.own.map((alert) => alert.id).sort());
    expect(realmWide).toHaveLength(7);
  });
});
