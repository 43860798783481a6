import { randomUUID } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { PostureReportService, PostureReports } from './posture-report.ts';

const daySeconds = 86_400;

describeEachDatabase('posture report', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const hubDb = new RealmDb(t.db, t.hubRealm.id);
    // Rows written by the fixture take the database's own time; the report compares with the
    // hub's clock, so they are placed a month before it.
    await hubDb.transaction((tx) => tx.nhi.updateMany({ data: { createdAt: t.at(-30) } }));
    const team = await hubDb.transaction((tx) =>
      tx.policyGroup.create({ data: { name: 'Payments' }, select: { id: true } }),
    );
    // Every fourth identity (each with open alerts, in the fixture) belongs to the Payments team.
    const ids = (
      await hubDb.transaction((tx) => tx.nhi.findMany({ select: { id: true }, orderBy: { name: 'asc' } }))
    )
      .filter((_, n) => n % 4 === 3)
      .map((nhi) => nhi.id);
    await hubDb.transaction((tx) =>
      tx.nhi.updateMany({ where: { id: { in: ids } }, data: { ownerGroupId: team.id } }),
    );
    const reportOf = async (user = t.ana, realm = t.hubRealm) =>
      (await t.scopeOf(user, realm)).resolve(PostureReportService);
    return { ...t, hubDb, team, reportOf };
  }

  it('shows the figures the dashboard shows for the same data', async () => {
    const t = await setup();
    const report = await (await t.reportOf()).preview();
    const overview = await (await t.dashboardOf()).overview({}, { fresh: true });

    expect(report.figures.headline).toEqual(overview.figures);
    expect(report.figures.openBySeverity).toEqual(overview.figures.openAlerts);
    expect(Object.entries(report.figures.riskLevels)).toEqual(
      overview.riskLevels.map((item) => [item.key, item.count]),
    );
    for (const { key, count } of overview.openAlertsByOwasp)
      expect(report.figures.owasp.find((risk) => risk.id === key)?.openAlerts).toBe(count);
    expect(report.figures.trend30.at(-1)).toEqual(overview.trend?.at(-1));
    expect(report.id).toBeNull();
  });

  it('counts open alerts by owner team, by age and by owner, as the alert rows say', async () => {
    const t = await setup();
    t.clock.advanceSeconds(10 * daySeconds);
    const report = await (await t.reportOf()).preview();
    const { alerts, nhis } = await t.hubDb.transaction(async (tx) => ({
      alerts: await tx.alert.findMany({ where: { state: 'open' }, select: { nhiId: true, severity: true } }),
      nhis: await tx.nhi.findMany({ select: { id: true, ownerGroupId: true } }),
    }));
    const teamOf = new Map(nhis.map((nhi) => [nhi.id, nhi.ownerGroupId]));
    const payments = alerts.filter((alert) => teamOf.get(alert.nhiId ?? '') === t.team.id).length;

    expect(report.figures.openByTeam).toEqual(
      [
        { groupId: t.team.id, team: 'Payments', openAlerts: payments },
        { groupId: null, team: 'No owner team', openAlerts: alerts.length - payments },
      ].sort((a, b) => b.openAlerts - a.openAlerts),
    );
    // Every alert of the fixture was first seen three days before the clock, now 13 days before.
    expect(report.figures.ageing).toEqual({ '<7d': 0, '7-30d': alerts.length, '30-90d': 0, '>90d': 0 });
    const owners = report.figures.topOwners;
    expect(owners.map((owner) => owner.email).sort()).toEqual(['ana@example.com', 'bob@example.com']);
    expect(owners[0]?.critical).toBeGreaterThanOrEqual(owners[1]?.critical ?? 0);
  });

  it('says which connected source types can evaluate each OWASP risk: AWS alone, then with GitHub and Kubernetes', async () => {
    const t = await setup();
    await t.hubDb.transaction((tx) => tx.source.deleteMany({ where: { type: 'github' } }));
    const awsOnly = await (await t.reportOf()).preview();
    const risk = (report: typeof awsOnly, id: string) => report.figures.owasp.find((r) => r.id === id);

    expect(awsOnly.figures.connectedSourceTypes).toEqual(['aws_iam']);
    expect(risk(awsOnly, 'NHI5')).toMatchObject({
      evaluatedBy: ['aws_iam'],
      notEvaluatedBy: [],
      wouldBeEvaluatedBy: ['github', 'kubernetes', 'gcp', 'entra', 'gitlab'],
    });
    expect(risk(awsOnly, 'NHI2')).toMatchObject({ evaluatedBy: [], wouldBeEvaluatedBy: ['secrets'] });
    expect(risk(awsOnly, 'NHI3')).toMatchObject({
      evaluatedBy: ['aws_iam'],
      wouldBeEvaluatedBy: ['github', 'entra'],
    });
    expect(risk(awsOnly, 'NHI6')).toMatchObject({
      evaluatedBy: ['aws_iam'],
      wouldBeEvaluatedBy: ['github', 'gitlab'],
    });
    expect(awsOnly.figures.owasp.map((r) => r.id)).toEqual([
      'NHI1',
      'NHI2',
      'NHI3',
      'NHI4',
      'NHI5',
      'NHI6',
      'NHI7',
      'NHI8',
      'NHI9',
      'NHI10',
    ]);

    await t.hubDb.transaction(async (tx) => {
      await tx.source.create({ data: { type: 'github', name: 'org' }, select: { id: true } });
      await tx.source.create({ data: { type: 'kubernetes', name: 'cluster' }, select: { id: true } });
    });
    const three = await (await t.reportOf()).preview();

    expect(three.figures.connectedSourceTypes).toEqual(['aws_iam', 'github', 'kubernetes']);
    expect(risk(three, 'NHI5')).toMatchObject({
      evaluatedBy: ['aws_iam', 'github', 'kubernetes'],
      notEvaluatedBy: [],
      wouldBeEvaluatedBy: ['gcp', 'entra', 'gitlab'],
    });
    expect(risk(three, 'NHI3')).toMatchObject({
      evaluatedBy: ['aws_iam', 'github'],
      notEvaluatedBy: ['kubernetes'],
    });
    expect(risk(three, 'NHI2')).toMatchObject({ evaluatedBy: [], wouldBeEvaluatedBy: ['secrets'] });
    expect(risk(three, 'NHI10')).toMatchObject({
      evaluatedBy: ['aws_iam'],
      notEvaluatedBy: ['github', 'kubernetes'],
    });
    const evaluated = (report: typeof awsOnly) =>
      report.figures.owasp.filter((r) => r.evaluatedBy.length).length;
    expect(evaluated(three)).toBeGreaterThanOrEqual(evaluated(awsOnly));
  });

  it('says what changed since the last report produced: alerts opened and closed, identities added and removed, risk levels', async () => {
    const t = await setup();
    const first = await (await t.reportOf()).produce();
    expect(first.id).not.toBeNull();
    expect(first.changes).toBeNull();

    t.clock.advanceSeconds(daySeconds);
    const now = t.clock.now();
    await t.hubDb.transaction(async (tx) => {
      const added = [randomUUID(), randomUUID()];
      await tx.nhi.createMany({
        data: added.map((id, n) => ({
          id,
          kind: 'service_account' as const,
          provider: 'aws' as const,
          externalId: `new-${n}`,
          name: `new-${n}`,
          createdAt: now,
        })),
      });
      await tx.alert.createMany({
        data: [0, 1, 2].map((n) => ({
          fingerprint: `new-alert-${n}`,
          ruleId: 'nhi7.credential_age',
          owaspId: 'NHI7',
          severity: 'critical' as const,
          nhiId: added[0] as string,
          subject: `nhi:${added[0]}`,
          firstSeenAt: now,
          lastSeenAt: now,
          stateChangedAt: now,
        })),
      });
      const open = await tx.alert.findMany({
        where: { state: 'open', firstSeenAt: { lt: now } },
        select: { id: true },
        take: 2,
        orderBy: { id: 'asc' },
      });
      await tx.alert.updateMany({
        where: { id: { in: open.map((alert) => alert.id) } },
        data: { state: 'resolved', stateChangedAt: now },
      });
      const gone = await tx.nhi.findFirstOrThrow({
        where: { deletedAt: null, createdAt: { lt: now } },
        select: { id: true },
      });
      await tx.nhi.update({ where: { id: gone.id }, data: { deletedAt: now } });
    });
    const second = await (await t.reportOf()).produce();

    expect(second.changes).toMatchObject({
      since: first.figures.asOf,
      newAlerts: 3,
      closedAlerts: 2,
      identitiesAdded: 2,
      identitiesRemoved: 1,
    });
    const total = (report: typeof first) =>
      Object.values(report.figures.openBySeverity).reduce((sum, n) => sum + n, 0);
    expect(second.changes?.openAlerts).toEqual({ before: total(first), after: total(second) });
    expect(total(second)).toBe(total(first) + 1);
    expect(second.changes?.riskLevels.map((level) => level.level)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'none',
    ]);
    expect(second.changes?.riskLevels.find((level) => level.level === 'none')).toEqual({
      level: 'none',
      before: first.figures.riskLevels.none,
      after: second.figures.riskLevels.none,
    });
    // Each keeps what it said changed, so it can be sent again as it was.
    const stored = await t.hubDb.transaction((tx) =>
      tx.postureReport.findMany({
        select: { id: true, trigger: true, changes: true },
        orderBy: { createdAt: 'asc' },
      }),
    );
    expect(stored).toEqual([
      { id: first.id, trigger: 'manual', changes: null },
      { id: second.id, trigger: 'manual', changes: second.changes },
    ]);
  });

  it('a preview compares with the last report without storing one', async () => {
    const t = await setup();
    await t.root.resolve(PostureReports).report(t.hubRealm.id, { store: 'schedule' });
    const preview = await (await t.reportOf()).preview();

    expect(preview.changes?.newAlerts).toBe(0);
    expect(await t.hubDb.transaction((tx) => tx.postureReport.count())).toBe(1);
  });

  it('is refused to a member whose access covers only some teams, saying reports are realm-wide', async () => {
    const t = await setup();
    registerScopedMembers(t.root, [
      { userId: t.vic.id, permissions: ['report:read', 'nhi:read', 'alert:read'], groupIds: [t.team.id] },
    ]);

    await expect((await t.reportOf(t.vic)).preview()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('realm-wide'),
    });
    await expect((await t.reportOf(t.vic)).produce()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await t.hubDb.transaction((tx) => tx.postureReport.count())).toBe(0);
  });

  it('counts only the realm it is asked for', async () => {
    const t = await setup();
    const other = await (await t.reportOf(t.oli, t.otherRealm)).preview();
    const overview = await (await t.dashboardOf(t.oli, t.otherRealm)).overview({}, { fresh: true });

    expect(other.figures.realm).toEqual({ slug: 'other', name: 'Other' });
    expect(other.figures.headline).toEqual(overview.figures);
  });
});
