import { createCaller, openRequestScope, RealmDb, router } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers, setupHub } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { dashboardRouter } from './dashboard.procedures.ts';
import { trendsKeptForRealm } from './dashboard-view.ts';

const appRouter = router({ dashboard: dashboardRouter });

describeEachDatabase('dashboard.* for a member scoped to a team', (_kind, newDatabase) => {
  /**
   * The realm `hub`: payments (Sam's scope) owns three identities `pay-*` with two open alerts and
   * a leak; identity owns two `idn-*` with two open alerts and a leak; one identity has no team and
   * an open alert, one open alert and one leak are about no identity. Ada is the realm's admin.
   */
  async function setup() {
    const hub = await setupHub(newDatabase);
    const realm = await hub.realm('hub', 'Hub');
    const ada = await hub.member('ada@example.test', 'hub', 'admin');
    const sam = await hub.member('sam@example.test', 'hub', 'viewer');
    const group = (name: string) =>
      hub.db.systemPrisma.policyGroup.create({ data: { realmId: realm.id, name }, select: { id: true } });
    const payments = await group('Payments');
    const identity = await group('Identity');
    registerScopedMembers(hub.root, [
      {
        userId: sam.id,
        permissions: ['realm:read', 'dashboard:read', 'nhi:read', 'alert:read'],
        groupIds: [payments.id],
      },
    ]);
    const db = new RealmDb(hub.db, realm.id);
    const identities = [
      { name: 'pay-api', team: payments.id, alerts: 1, leak: true },
      { name: 'pay-batch', team: payments.id, alerts: 1, leak: false },
      { name: 'pay-web', team: payments.id, alerts: 0, leak: false },
      { name: 'idn-sso', team: identity.id, alerts: 2, leak: true },
      { name: 'idn-scim', team: identity.id, alerts: 0, leak: false },
      { name: 'orphan-job', team: null, alerts: 1, leak: false },
    ];
    const ids = await db.transaction(async (tx) => {
      const source = await tx.source.create({
        data: { type: 'aws_iam', name: 'prod account', environment: 'production' },
        select: { id: true },
      });
      const byName: Record<string, string> = {};
      let serial = 0;
      const alert = async (nhiId: string | null) => {
        serial += 1;
        const created = await tx.alert.create({
          data: {
            fingerprint: `fp-${serial}`,
            ruleId: 'nhi7.no_expiry',
            owaspId: 'NHI7',
            severity: 'high',
            nhiId,
            subject: `subject-${serial}`,
            firstSeenAt: hub.clock.now(),
            lastSeenAt: hub.clock.now(),
            stateChangedAt: hub.clock.now(),
          },
          select: { id: true },
        });
        await tx.alertEvent.create({ data: { alertId: created.id, toState: 'open', actorType: 'system' } });
      };
      const leak = (nhiId: string | null) =>
        tx.leak.create({
          data: {
            sourceId: source.id,
            scanId: 'scan-1',
            rule: 'aws-access-token',
            file: '.env',
            maskedMatch: 'AKIA…WXYZ',
            fingerprint: `fp-${nhiId}`,
            locationKey: `loc-${nhiId}`,
            nhiId,
          },
          select: { id: true },
        });
      for (const [n, item] of identities.entries()) {
        const nhi = await tx.nhi.create({
          data: {
            kind: 'service_account',
            provider: 'aws',
            environment: 'production',
            externalId: `ext-${item.name}`,
            name: item.name,
            ownerGroupId: item.team,
            ownerUserId: item.team ? ada.id : null,
          },
          select: { id: true },
        });
        byName[item.name] = nhi.id;
        for (let a = 0; a < item.alerts; a += 1) await alert(nhi.id);
        if (item.leak) await leak(nhi.id);
        await tx.nhiRiskScore.create({
          data: { nhiId: nhi.id, score: 10 + n, level: 'low', factors: [], computedAt: hub.clock.now() },
        });
      }
      await alert(null);
      await leak(null);
      return byName;
    });

    const callerOf = async (user: { id: string; email: string }) =>
      createCaller(
        appRouter,
        hub.root,
        await openRequestScope(hub.root, {
          context: {
            requestId: `req-${user.email}`,
            realm,
            principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
            clock: hub.clock,
          },
          credential: 'session',
        }),
      );
    const ours = identities.filter((item) => item.team === payments.id);
    return { ...hub, ids, ours, asAda: await callerOf(ada), asSam: await callerOf(sam), callerOf, ada, sam };
  }

  const openAlerts = (figures: { openAlerts: Record<string, number> }) =>
    Object.values(figures.openAlerts).reduce((sum, count) => sum + count, 0);

  it('counts every figure over the team’s identities and their alerts only', async () => {
    const t = await setup();

    const overview = await t.asSam.dashboard.overview.query({});

    expect(overview.figures).toMatchObject({ nhiTotal: 3, nhiActive: 3, unowned: 0, leaks: 1 });
    expect(openAlerts(overview.figures)).toBe(2);
    expect(overview.byKind.reduce((sum, item) => sum + item.count, 0)).toBe(3);
    expect(overview.riskLevels.reduce((sum, item) => sum + item.count, 0)).toBe(3);
    expect(overview.openAlertsByOwasp).toEqual([{ key: 'NHI7', count: 2 }]);
    expect(overview.topOwners).toEqual([{ owner: { id: t.ada.id, email: t.ada.email }, openAlerts: 2 }]);
  });

  it('lists only the team’s identities and alerts, and shows no realm-wide trend', async () => {
    const t = await setup();

    const overview = await t.asSam.dashboard.overview.query({});

    expect(overview.fixFirst.map((item) => item.name).sort()).toEqual(t.ours.map((item) => item.name).sort());
    expect(overview.recentAlertActivity.map((item) => item.nhiName).sort()).toEqual(['pay-api', 'pay-batch']);
    expect(overview.trend).toBeNull();
    expect(overview.trendWithheld).toBe(trendsKeptForRealm);
    expect(overview.weekAgo).toBeNull();
  });

  it('combines the realms of a scoped member over their team only, without a trend', async () => {
    const t = await setup();

    const combined = await t.asSam.dashboard.combinedOverview.query({});

    expect(combined.figures.nhiTotal).toBe(3);
    expect(openAlerts(combined.figures)).toBe(2);
    expect(combined.trend).toBeNull();
    expect(combined.fixFirst.every((item) => item.name.startsWith('pay-'))).toBe(true);
  });

  it('keeps the whole realm’s overview for the admin, whatever a scoped member asked before', async () => {
    const t = await setup();
    const before = await t.asAda.dashboard.overview.query({ fresh: true });

    const scoped = await t.asSam.dashboard.overview.query({});
    const admin = await t.asAda.dashboard.overview.query({});
    const scopedAgain = await t.asSam.dashboard.overview.query({});

    expect(scoped.figures.nhiTotal).toBe(3);
    expect(before.figures).toMatchObject({ nhiTotal: 6, unowned: 1, leaks: 3 });
    expect(openAlerts(before.figures)).toBe(6);
    expect(admin.figures).toEqual(before.figures);
    expect(admin.fixFirst).toEqual(before.fixFirst);
    expect(admin.trend).not.toBeNull();
    expect(scopedAgain.figures).toEqual(scoped.figures);
  });

  it.each([
    ['an identity of another team by name', 'idn', []],
    ['the team’s identities by name', 'pay', ['pay-api', 'pay-batch', 'pay-web']],
    ['an identity of no team by name', 'orphan', []],
  ])('finds in the quick search %s, never another team’s', async (_name, q, expected) => {
    const t = await setup();

    const { hits } = await t.asSam.dashboard.search.query({ q });
    const admin = await t.asAda.dashboard.search.query({ q });

    expect(hits.filter((hit) => hit.kind === 'identity').map((hit) => hit.label)).toEqual(expected);
    expect(hits.filter((hit) => hit.kind === 'alert')).toHaveLength(expected.length === 0 ? 0 : 2);
    expect(admin.hits.filter((hit) => hit.kind === 'identity').length).toBeGreaterThan(0);
  });

  it('finds by rule title only the alerts about the team’s identities', async () => {
    const t = await setup();

    const { hits } = await t.asSam.dashboard.search.query({ q: 'without expiry' });
    const admin = await t.asAda.dashboard.search.query({ q: 'without expiry' });

    const detailOf = (list: { kind: string; detail?: string }[]) =>
      list.filter((hit) => hit.kind === 'alert').map((hit) => hit.detail ?? '');
    expect(detailOf(hits)).toHaveLength(2);
    expect(detailOf(hits).every((detail) => detail.includes('pay-'))).toBe(true);
    expect(detailOf(admin.hits).some((detail) => detail.includes('idn-'))).toBe(true);
  });
});
