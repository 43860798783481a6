import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import type { DashboardFilter } from '../api/dashboard-view.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';

const day = 86_400_000;

describeEachDatabase('dashboard figures', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    /** Every row of the hub realm, read plainly, for counting in the test. */
    async function rows() {
      return new RealmDb(t.db, t.hubRealm.id).transaction(async (tx) => ({
        nhis: await tx.nhi.findMany({
          select: {
            id: true,
            kind: true,
            provider: true,
            environment: true,
            status: true,
            ownerUserId: true,
            oldestActiveCredentialAt: true,
            nextCredentialExpiresAt: true,
            deletedAt: true,
          },
        }),
        alerts: await tx.alert.findMany({
          select: { state: true, severity: true, owaspId: true, nhiId: true },
        }),
        scores: await tx.nhiRiskScore.findMany({ select: { nhiId: true, score: true, level: true } }),
        leaks: await tx.leak.findMany({ select: { nhiId: true } }),
        sourceItems: await tx.sourceItem.findMany({ select: { nhiId: true, sourceId: true } }),
      }));
    }
    return { ...t, rows };
  }

  async function expected(t: Awaited<ReturnType<typeof setup>>, filter: DashboardFilter) {
    const { nhis, alerts, scores, leaks, sourceItems } = await t.rows();
    const now = t.clock.now().getTime();
    const reported = (id: string) =>
      sourceItems.some((item) => item.nhiId === id && filter.source?.includes(item.sourceId));
    const matches = (n: (typeof nhis)[number]) =>
      n.deletedAt === null &&
      (!filter.environment || filter.environment.includes(n.environment)) &&
      (!filter.provider || filter.provider.includes(n.provider)) &&
      (!filter.source || reported(n.id));
    const live = nhis.filter(matches);
    const liveIds = new Set(live.map((n) => n.id));
    const active = live.filter((n) => n.status === 'active');
    const filtered = Boolean(filter.environment || filter.provider || filter.source);
    const open = alerts.filter((a) => a.state === 'open' && (!filtered || liveIds.has(a.nhiId ?? '')));
    const scoreOf = new Map(scores.map((s) => [s.nhiId, s]));
    const riskSum = active.reduce((sum, n) => sum + (scoreOf.get(n.id)?.score ?? 0), 0);
    const ageDays = (n: (typeof nhis)[number]) =>
      n.oldestActiveCredentialAt ? (now - n.oldestActiveCredentialAt.getTime()) / day : null;
    const bySeverity = (severity: string) => open.filter((a) => a.severity === severity).length;
    return {
      figures: {
        nhiTotal: live.length,
        nhiActive: active.length,
        unowned: active.filter((n) => n.ownerUserId === null).length,
        credentialsOlderThan90: active.filter((n) => (ageDays(n) ?? 0) > 90).length,
        expiringWithin30: active.filter(
          (n) => n.nextCredentialExpiresAt && n.nextCredentialExpiresAt.getTime() <= now + 30 * day,
        ).length,
        openAlerts: {
          critical: bySeverity('critical'),
          high: bySeverity('high'),
          medium: bySeverity('medium'),
          low: bySeverity('low'),
        },
        riskScore: active.length ? Math.round((riskSum / active.length) * 10) / 10 : 0,
        leaks: leaks.filter((l) => !filtered || liveIds.has(l.nhiId ?? '')).length,
      },
      kindCount: (kind: string) => live.filter((n) => n.kind === kind).length,
      over365: active.filter((n) => (ageDays(n) ?? 0) > 365).length,
      within30: active.filter((n) => ageDays(n) !== null && (ageDays(n) ?? 0) <= 30).length,
      owasp: (id: string) => open.filter((a) => a.owaspId === id).length,
      levelCount: (level: string) =>
        active.filter((n) => (scoreOf.get(n.id)?.level ?? 'none') === level).length,
      topScore: Math.max(...live.map((n) => scoreOf.get(n.id)?.score ?? 0)),
    };
  }

  it.each([
    ['the whole realm', {}],
    ['production only', { environment: ['production'] }],
    [
      'github and kubernetes in staging or development',
      { provider: ['github', 'kubernetes'], environment: ['development', 'staging'] },
    ],
  ] as [string, DashboardFilter][])('counts %s as the rows do', async (_name, filter) => {
    const t = await setup();

    const overview = await (await t.dashboardOf()).overview(filter);
    const want = await expected(t, filter);

    expect(overview.figures).toEqual(want.figures);
    expect(overview.figures.nhiTotal).toBeGreaterThan(0);
    for (const { key, count } of overview.byKind) expect(count).toBe(want.kindCount(key));
    expect(overview.credentialAge.find((b) => b.key === '>365')?.count).toBe(want.over365);
    expect(overview.credentialAge.find((b) => b.key === '0-30')?.count).toBe(want.within30);
    expect(overview.credentialAge.reduce((sum, b) => sum + b.count, 0)).toBe(
      overview.figures.nhiActive -
        (await t.rows()).nhis.filter(
          (n) =>
            n.status === 'active' &&
            !n.deletedAt &&
            !n.oldestActiveCredentialAt &&
            (!filter.environment || filter.environment.includes(n.environment)) &&
            (!filter.provider || filter.provider.includes(n.provider)),
        ).length,
    );
    for (const { key, count } of overview.openAlertsByOwasp) expect(count).toBe(want.owasp(key));
    for (const { key, count } of overview.riskLevels) expect(count).toBe(want.levelCount(key));
    expect(overview.fixFirst[0]?.score).toBe(want.topScore);
    expect(overview.fixFirst.length).toBeLessThanOrEqual(10);
  });

  it('counts what one scanner source reports as the rows do, and only that source’s scans', async () => {
    const t = await setup();
    const filter = { source: [t.hubSources.scannedSourceId] };

    const overview = await (await t.dashboardOf()).overview(filter);
    const want = await expected(t, filter);

    expect(overview.figures).toEqual(want.figures);
    expect(overview.figures.nhiTotal).toBeGreaterThan(0);
    expect(overview.figures.nhiTotal).toBeLessThan((await expected(t, {})).figures.nhiTotal);
    for (const { key, count } of overview.riskLevels) expect(count).toBe(want.levelCount(key));
    expect(overview.recentScans).toEqual([]);
    expect(overview.sources.map((source) => source.name)).toEqual(['github org', 'prod account']);
    // Snapshots keep cells per environment and provider: a scanner source has no trend.
    expect(overview.trend).toEqual([]);
  });

  it('lists what to fix first by score, with owner and main factor, and never a deleted identity', async () => {
    const t = await setup();

    const { fixFirst, topOwners } = await (await t.dashboardOf()).overview();
    const { nhis } = await t.rows();
    const deleted = new Set(nhis.filter((n) => n.deletedAt).map((n) => n.id));

    expect(fixFirst).toHaveLength(10);
    expect(fixFirst.map((item) => item.score)).toEqual(
      [...fixFirst.map((item) => item.score)].sort((a, b) => b - a),
    );
    expect(fixFirst.some((item) => deleted.has(item.nhiId))).toBe(false);
    expect(fixFirst[0]?.mainFactor).toEqual({ ruleId: 'rule-0', owaspId: 'NHI7', severity: 'high' });
    expect(fixFirst.some((item) => item.owner?.email === 'ana@example.com')).toBe(true);
    expect(topOwners.map((o) => o.owner.email).sort()).toEqual(['ana@example.com', 'bob@example.com']);
  });

  it('shows one realm only: another realm’s identities and alerts never count', async () => {
    const t = await setup();

    const hub = await (await t.dashboardOf(t.ana, t.hubRealm)).overview();
    const other = await (await t.dashboardOf(t.oli, t.otherRealm)).overview();

    expect(other.figures.nhiTotal).toBeLessThan(8);
    expect(hub.figures.nhiTotal).toBe((await t.rows()).nhis.filter((n) => !n.deletedAt).length);
    expect(
      other.fixFirst.every((item) => item.owner === null || item.owner.email === 'oli@example.com'),
    ).toBe(true);
    expect(other.recentScans).toHaveLength(1);
  });

  it('names the rules its realm turned off, and never those of another realm', async () => {
    const t = await setup();
    const settle = (realmId: string, ruleId: string, enabled: boolean) =>
      new RealmDb(t.db, realmId).transaction((tx) =>
        tx.alertRuleSetting.create({ data: { realmId, ruleId, enabled } }),
      );
    await settle(t.hubRealm.id, 'nhi1.unowned', false);
    await settle(t.hubRealm.id, 'nhi7.no_expiry', true);
    await settle(t.otherRealm.id, 'nhi2.leaked_secret', false);

    const hub = await (await t.dashboardOf(t.ana, t.hubRealm)).overview();
    const other = await (await t.dashboardOf(t.oli, t.otherRealm)).overview();

    expect(hub.disabledRules).toEqual(['nhi1.unowned']);
    expect(other.disabledRules).toEqual(['nhi2.leaked_secret']);
  });

  it('refuses a filter value that is not in the vocabulary', async () => {
    const t = await setup();
    const service = await t.dashboardOf();

    await expect(service.overview({ environment: ['prod' as 'production'] })).rejects.toThrow(
      /Invalid dashboard filter/,
    );
  });
});
