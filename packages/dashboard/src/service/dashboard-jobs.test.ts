import { createLogger, DomainEventRelay, JobQueue, RealmAdminService, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { dashboardJobNames, registerDashboardJobs } from './dashboard-jobs.ts';

const daySeconds = 86_400;

describeEachDatabase('dashboard snapshot job', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const logger = createLogger({ level: 'silent' });
    const jobs = new JobQueue(t.db.jobStore, logger, { pollingIntervalSeconds: 0.5 });
    await jobs.start();
    const events = new DomainEventRelay(t.db, jobs, logger);
    await registerDashboardJobs({ root: t.root, database: t.db, jobs, events });
    const hubDb = new RealmDb(t.db, t.hubRealm.id);
    const snapshotDays = () =>
      hubDb.transaction((tx) =>
        tx.dashboardSnapshot.findMany({ select: { day: true, openAlerts: true }, orderBy: { day: 'asc' } }),
      );
    /** Runs the job for the hub realm through the queue and waits for its snapshot of today. */
    async function snapshotNow() {
      const today = t.clock.now().toISOString().slice(0, 10);
      await jobs.enqueue(dashboardJobNames.snapshot, { realmId: t.hubRealm.id });
      for (let i = 0; i < 200; i++) {
        const days = await snapshotDays();
        if (days.some((s) => s.day.toISOString().startsWith(today))) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no snapshot of ${today}`);
    }
    return { ...t, jobs, events, hubDb, snapshotDays, snapshotNow };
  }

  it('keeps the figures of earlier days, so the trend and the week’s change survive later edits', async () => {
    const t = await setup();
    const service = async () => t.dashboardOf();
    await t.snapshotNow();
    const before = await (await service()).overview();

    t.clock.advanceSeconds(7 * daySeconds);
    await t.hubDb.transaction((tx) =>
      tx.alert.updateMany({ where: { state: 'open' }, data: { state: 'resolved' } }),
    );
    await t.snapshotNow();
    await t.snapshotNow();
    const after = await (await service()).overview();

    expect((await t.snapshotDays()).map((s) => s.openAlerts)).toEqual([
      before.figures.openAlerts.critical +
        before.figures.openAlerts.high +
        before.figures.openAlerts.medium +
        before.figures.openAlerts.low,
      0,
    ]);
    expect(after.weekAgo).toEqual(before.figures);
    expect(after.trend?.map((point) => point.openAlerts)).toEqual([before.trend?.at(-1)?.openAlerts, 0]);
    expect(after.trend?.at(0)?.openAlerts).toBeGreaterThan(0);
    await t.jobs.stop();
  });

  it('looks back as many days as the page asks: 7, 30 (unless asked) or 90', async () => {
    const t = await setup();
    await t.snapshotNow();
    t.clock.advanceSeconds(10 * daySeconds);
    const service = await t.dashboardOf();

    const days = async (trendDays?: 7 | 30 | 90) =>
      (await service.overview({}, { trendDays })).trend?.map((point) => point.day);

    const today = t.clock.now().toISOString().slice(0, 10);
    const tenDaysAgo = new Date(t.clock.now().getTime() - 10 * daySeconds * 1000).toISOString().slice(0, 10);
    expect(await days(7)).toEqual([today]);
    expect(await days()).toEqual([tenDaysAgo, today]);
    expect(await days(90)).toEqual([tenDaysAgo, today]);
    expect((await service.overview({}, { trendDays: 7 })).trendDays).toBe(7);
    await t.jobs.stop();
  });

  it('keeps the figures per environment and source, so a filtered page has its trend and week’s change', async () => {
    const t = await setup();
    const production = { environment: ['production' as const] };
    const awsStaging = { environment: ['staging' as const], provider: ['aws' as const] };
    await t.snapshotNow();
    const before = await (await t.dashboardOf()).overview(production);
    const beforeAwsStaging = await (await t.dashboardOf()).overview(awsStaging);

    t.clock.advanceSeconds(7 * daySeconds);
    await t.hubDb.transaction((tx) =>
      tx.alert.updateMany({ where: { state: 'open' }, data: { state: 'resolved' } }),
    );
    const after = await (await t.dashboardOf()).overview(production);
    const afterAwsStaging = await (await t.dashboardOf()).overview(awsStaging);

    expect(before.figures.nhiTotal).toBeGreaterThan(0);
    expect(after.weekAgo).toEqual(before.figures);
    expect(afterAwsStaging.weekAgo).toEqual(beforeAwsStaging.figures);
    const open = (f: typeof before.figures) =>
      f.openAlerts.critical + f.openAlerts.high + f.openAlerts.medium + f.openAlerts.low;
    expect(open(before.figures)).toBeGreaterThan(0);
    expect(after.trend?.map((point) => [point.openAlerts, point.riskScore])).toEqual([
      [open(before.figures), before.figures.riskScore],
      [0, after.figures.riskScore],
    ]);
    await t.jobs.stop();
  });

  it('shows no filtered trend from a day whose snapshot kept only the whole realm', async () => {
    const t = await setup();
    await t.snapshotNow();
    await t.hubDb.transaction((tx) => tx.dashboardSnapshot.updateMany({ data: { cells: [] } }));
    t.clock.advanceSeconds(7 * daySeconds);

    const filtered = await (await t.dashboardOf()).overview({ environment: ['production'] });
    const whole = await (await t.dashboardOf()).overview();

    expect(filtered.weekAgo).toBeNull();
    expect(filtered.trend).toEqual([]);
    expect(whole.weekAgo).not.toBeNull();
    await t.jobs.stop();
  });

  it('schedules a daily snapshot of every realm', async () => {
    const t = await setup();

    const schedules = await t.jobs.schedules(dashboardJobNames.snapshot);

    expect(schedules.map((s) => (s.payload as { realmId: string }).realmId).sort()).toEqual(
      [t.hubRealm.id, t.otherRealm.id].sort(),
    );
    expect(new Set(schedules.map((s) => s.cron))).toEqual(new Set(['5 0 * * *']));
    await t.jobs.stop();
  });

  it('schedules the snapshot of a realm created while the hub runs, without a restart', async () => {
    const t = await setup();

    const created = await t.root.resolve(RealmAdminService).createRealm({ slug: 'emea', name: 'EMEA' });
    await t.events.relayOnce();

    const scheduledRealms = async () =>
      (await t.jobs.schedules(dashboardJobNames.snapshot)).map(
        (s) => (s.payload as { realmId: string }).realmId,
      );
    for (let i = 0; i < 200 && !(await scheduledRealms()).includes(created.id); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await scheduledRealms()).sort()).toEqual([t.hubRealm.id, t.otherRealm.id, created.id].sort());
    await t.jobs.stop();
  });

  it('never reads or writes another realm’s snapshots', async () => {
    const t = await setup();
    await t.snapshotNow();

    const seenFromOther = await new RealmDb(t.db, t.otherRealm.id).transaction(
      (tx) => tx.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM "DashboardSnapshot"`,
    );
    const crossWrite = new RealmDb(t.db, t.otherRealm.id).transaction(
      (tx) =>
        tx.$executeRaw`INSERT INTO "DashboardSnapshot" ("realmId", day, "openAlerts", "riskScore", figures, "takenAt")
        VALUES (${t.hubRealm.id}, '2026-01-01'::date, 1, 1, '{}'::jsonb, now())`,
    );

    expect(seenFromOther[0]?.count).toBe(0);
    await expect(crossWrite).rejects.toThrow();
    await t.jobs.stop();
  });
});
