import { openRequestScope } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import {
  type AlertSortKey,
  alertQueueStates,
  alertSortKeys,
  type ListAlertsInput,
} from '../api/alert.schema.ts';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { AlertService } from './alert.service.ts';
import type { AlertQueueItem } from './alert-queue.ts';

const severityRank = { low: 0, medium: 1, high: 2, critical: 3 } as const;

describeEachDatabase('Alert triage list', (_kind, newDatabase) => {
  /**
   * Three identities (alpha: Ana's, production AWS, risk 80; bravo: Eve's and the team's, staging
   * GitHub, risk 30, reported by a scanner source; charlie: unowned Kubernetes, no score) and nine
   * alerts with ties on every sort key, one of them about no identity.
   */
  async function setup() {
    const w = await setupAlerts(newDatabase);
    const team = await w.group('platform-team');
    const named = async (name: string, fields: Parameters<typeof w.nhi>[0]) => {
      const row = await w.nhi(fields);
      await w.realmDb.transaction((tx) =>
        tx.nhi.update({ where: { id: row.id }, data: { name }, select: { id: true } }),
      );
      return { id: row.id, name };
    };
    const alpha = await named('alpha', { ownerUserId: w.ana.id });
    const bravo = await named('bravo', {
      ownerUserId: w.eve.id,
      ownerGroupId: team.id,
      environment: 'staging',
      provider: 'github',
    });
    const charlie = await named('charlie', { ownerUserId: null, provider: 'kubernetes' });
    const source = await w.realmDb.transaction(async (tx) => {
      const created = await tx.source.create({
        data: { type: 'github', name: 'org scan' },
        select: { id: true, name: true },
      });
      await tx.sourceItem.create({
        data: {
          sourceId: created.id,
          input: 'github.org',
          nhiId: bravo.id,
          contentHash: 'h',
          lastScanId: 's',
        },
        select: { nhiId: true },
      });
      for (const [nhiId, score] of [
        [alpha.id, 80],
        [bravo.id, 30],
      ] as const) {
        await tx.nhiRiskScore.create({
          data: { nhiId, score, level: score > 50 ? 'high' : 'medium', computedAt: w.clock.now() },
          select: { nhiId: true },
        });
      }
      return created;
    });
    let serial = 0;
    const raise = (
      nhiId: string | null,
      severity: 'low' | 'medium' | 'high' | 'critical',
      fields: {
        ruleId?: string;
        state?: 'open' | 'acknowledged' | 'resolved' | 'suppressed';
        age?: number;
      } = {},
    ) => {
      serial += 1;
      const age = fields.age ?? 1;
      return w.realmDb.transaction((tx) =>
        tx.alert.create({
          data: {
            fingerprint: `fp-${serial}`,
            ruleId: fields.ruleId ?? 'nhi7.no_expiry',
            owaspId: fields.ruleId === 'nhi1.unowned' ? 'NHI1' : 'NHI7',
            severity,
            state: fields.state ?? 'open',
            nhiId,
            subject: `subject-${serial}`,
            firstSeenAt: w.daysAgo(age * 2),
            lastSeenAt: w.daysAgo(age),
            stateChangedAt: w.daysAgo(age),
            ...(fields.state === 'suppressed'
              ? { suppressedUntil: w.daysAhead(7), suppressReason: 'Rotating this sprint' }
              : {}),
          },
          select: { id: true },
        }),
      );
    };
    await raise(alpha.id, 'critical', { age: 3 });
    await raise(alpha.id, 'low', { ruleId: 'nhi1.unowned', age: 3 });
    await raise(alpha.id, 'high', { age: 5 });
    await raise(bravo.id, 'critical', { age: 1 });
    await raise(bravo.id, 'medium', { ruleId: 'nhi1.unowned', age: 5, state: 'acknowledged' });
    await raise(charlie.id, 'high', { ruleId: 'nhi1.unowned', age: 1 });
    await raise(charlie.id, 'low', { age: 2, state: 'suppressed' });
    await raise(null, 'medium', { age: 2, state: 'resolved' });
    await raise(null, 'critical', { ruleId: 'nhi1.unowned', age: 4 });
    const service = await w.serviceOf(w.eve);
    return { ...w, team, alpha, bravo, charlie, source, service };
  }

  /** Every page of the list from the first, forwards. */
  async function everyPage(service: AlertService, input: ListAlertsInput, limit: number) {
    const pages: AlertQueueItem[][] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list({ ...input, limit, cursor });
      pages.push(page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 20);
    return pages;
  }

  const keyOf: Record<AlertSortKey, (item: AlertQueueItem) => number | string> = {
    changed: (item) => item.stateChangedAt.getTime(),
    severity: (item) => severityRank[item.severity],
    risk: (item) => item.riskScore,
    firstSeen: (item) => item.firstSeenAt.getTime(),
    lastSeen: (item) => item.lastSeenAt.getTime(),
    // Alerts about no identity after the named ones.
    identity: (item) => item.nhi?.name ?? '~',
  };

  it('sorts by every key in both directions and pages through each order returning every alert once', async () => {
    const t = await setup();
    for (const sort of alertSortKeys) {
      for (const order of ['asc', 'desc'] as const) {
        const all = (await t.service.list({ sort, order, limit: 500 })).items;
        expect(all).toHaveLength(9);
        const keys = all.map(keyOf[sort]);
        const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const expected = order === 'asc' ? sorted : sorted.reverse();
        expect(keys, `${sort} ${order}`).toEqual(expected);

        const pages = await everyPage(t.service, { sort, order }, 2);
        expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 2, 1]);
        expect(
          pages.flat().map((a) => a.id),
          `${sort} ${order} paged`,
        ).toEqual(all.map((a) => a.id));

        // Back from the last page, each previous page is the one read before it.
        let page = await t.service.list({ sort, order, limit: 2, cursor: pages[3]?.at(-1)?.id });
        for (let index = 3; index >= 0; index -= 1) {
          expect(page.previousCursor).not.toBeNull();
          page = await t.service.list({ sort, order, limit: 2, before: page.previousCursor ?? undefined });
          expect(page.items.map((a) => a.id)).toEqual(pages[index]?.map((a) => a.id));
        }
        expect(page.previousCursor).toBeNull();
      }
    }
  });

  it('orders each key its natural way unless asked: worst, riskiest and newest first, oldest sighting first', async () => {
    const t = await setup();
    const first = async (sort: AlertSortKey) => (await t.service.list({ sort, limit: 1 })).items[0];

    expect((await first('severity'))?.severity).toBe('critical');
    expect((await first('risk'))?.nhi?.name).toBe('alpha');
    expect((await first('identity'))?.nhi?.name).toBe('alpha');
    expect((await first('firstSeen'))?.firstSeenAt).toEqual(t.daysAgo(10));
    expect((await first('lastSeen'))?.lastSeenAt).toEqual(t.daysAgo(1));
    expect((await t.service.list({ sort: 'risk', limit: 500 })).items.map((a) => a.riskScore)).toEqual([
      80, 80, 80, 30, 30, 0, 0, 0, 0,
    ]);
  });

  it('filters by rule, owner, team, environment, provider, source, identity and state', async () => {
    const t = await setup();
    const names = async (input: ListAlertsInput) =>
      (await t.service.list({ ...input, limit: 500 })).items
        .map((a) => `${a.nhi?.name ?? '-'} ${a.severity}`)
        .sort();

    expect(await names({ ruleId: 'nhi1.unowned' })).toEqual([
      '- critical',
      'alpha low',
      'bravo medium',
      'charlie high',
    ]);
    expect(await names({ ownerUserId: t.ana.id, severities: ['critical', 'high'] })).toEqual([
      'alpha critical',
      'alpha high',
    ]);
    expect(await names({ ownerGroupId: t.team.id })).toEqual(['bravo critical', 'bravo medium']);
    expect(await names({ environments: ['staging'] })).toEqual(['bravo critical', 'bravo medium']);
    expect(await names({ providers: ['kubernetes'] })).toEqual(['charlie high', 'charlie low']);
    expect(await names({ sources: [t.source.id] })).toEqual(['bravo critical', 'bravo medium']);
    expect(await names({ identity: 'ARL' })).toEqual(['charlie high', 'charlie low']);
    expect(await names({ identity: '%' })).toEqual([]);
    expect(await names({ nhiId: t.alpha.id, owaspId: 'NHI1' })).toEqual(['alpha low']);
    expect(await names({ states: ['resolved'] })).toEqual(['- medium']);
    expect((await t.service.list({ ruleId: 'nhi1.unowned', limit: 1 })).total).toBe(4);
  });

  it('keeps suppressed and resolved alerts out of the triage queue; a state filter shows them', async () => {
    const t = await setup();
    const queue = await t.service.list({ states: [...alertQueueStates], limit: 500 });

    expect(queue.total).toBe(7);
    expect(new Set(queue.items.map((a) => a.state))).toEqual(new Set(['open', 'acknowledged']));
    const suppressed = await t.service.list({ states: ['suppressed'] });
    expect(suppressed.items.map((a) => [a.nhi?.name, a.suppressReason])).toEqual([
      ['charlie', 'Rotating this sprint'],
    ]);
    expect((await t.service.list({ limit: 500 })).total).toBe(9);
  });

  it('counts the matching alerts per rule and per identity, largest groups first', async () => {
    const t = await setup();

    const byRule = await t.service.groups({ by: 'rule', states: [...alertQueueStates] });
    expect(byRule.groups.map((g) => [g.key, g.count, g.worstSeverity])).toEqual([
      ['nhi1.unowned', 4, 'critical'],
      ['nhi7.no_expiry', 3, 'critical'],
    ]);
    expect(byRule.groups[0]?.label).not.toBe('nhi1.unowned');
    const byIdentity = await t.service.groups({ by: 'identity', states: [...alertQueueStates] });
    expect(byIdentity.groups.map((g) => [g.label, g.count, g.worstSeverity])).toEqual([
      ['alpha', 3, 'critical'],
      ['bravo', 2, 'critical'],
      ['no identity', 1, 'critical'],
      ['charlie', 1, 'high'],
    ]);
    const ofTeam = await t.service.groups({ by: 'identity', ownerGroupId: t.team.id });
    expect(ofTeam).toEqual({
      by: 'identity',
      truncated: false,
      groups: [expect.objectContaining({ key: t.bravo.id })],
    });
  });

  it('offers the rules with alerts, the members, teams and scanner sources of the realm as filter choices', async () => {
    const t = await setup();
    const options = await t.service.filterOptions();

    expect(options.rules.map((r) => r.id)).toEqual(['nhi1.unowned', 'nhi7.no_expiry']);
    expect(options.owners.map((o) => o.email)).toEqual([
      'ana@example.com',
      'eve@example.com',
      'vic@example.com',
    ]);
    expect(options.teams).toContainEqual({ id: t.team.id, name: 'platform-team' });
    expect(options.sources).toEqual([t.source]);
  });

  it('keeps the list to its realm: another realm’s alert as cursor reads nothing', async () => {
    const t = await setup();
    const other = await t.serviceOf(t.oli, t.otherRealm);
    const [mine] = (await t.service.list({ limit: 1 })).items;

    expect((await other.list()).total).toBe(0);
    expect((await other.groups({ by: 'rule' })).groups).toEqual([]);
    expect((await other.list({ cursor: mine?.id })).items).toEqual([]);
  });

  it('names who changed an alert in its history: the member’s email, the API token’s name, system for evaluation', async () => {
    const t = await setup();
    const n = await t.machine({ ownerUserId: null });
    await t.evaluate([n.id]);
    const alert = (await t.service.list({ nhiId: n.id, ruleId: 'nhi1.unowned' })).items[0];
    if (!alert) throw new Error('the evaluation raises nhi1.unowned');
    const token = await t.realmDb.transaction((tx) =>
      tx.apiToken.create({
        data: {
          userId: t.ana.id,
          name: 'soar-playbook',
          prefix: 'nhi_abcd',
          tokenHash: 'hash-of-test-token',
          permissions: [],
        },
        select: { id: true },
      }),
    );
    const scope = await openRequestScope(t.root, {
      context: {
        requestId: 'req-token',
        realm: t.hubRealm,
        principal: {
          kind: 'token',
          userId: t.ana.id,
          email: t.ana.email,
          tokenId: token.id,
          tokenPermissions: ['alert:ack', 'alert:read'],
        },
        clock: t.clock,
      },
      credential: 'bearer',
    });

    await t.service.acknowledge({ ids: [alert.id] });
    await scope.container.resolve(AlertService).resolve({ ids: [alert.id] });

    const history = (await t.service.get(alert.id)).history;
    expect(history.map((e) => `${e.toState} by ${e.actor}`)).toEqual([
      'open by system',
      'acknowledged by eve@example.com',
      'resolved by API token soar-playbook',
    ]);
  });
});
