import { AlertService } from '@nhi/alert';
import { NhiService } from '@nhi/nhi';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { overviewMaxAgeMs } from './dashboard-overview-cache.ts';

const openOf = (figures: { openAlerts: Record<string, number> }) =>
  Object.values(figures.openAlerts).reduce((sum, n) => sum + n, 0);

describeEachDatabase('dashboard freshness', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const hubDb = new RealmDb(t.db, t.hubRealm.id);
    const anOpenAlert = () =>
      hubDb.transaction((tx) =>
        tx.alert.findFirstOrThrow({ where: { state: 'open', nhiId: { not: null } }, select: { id: true } }),
      );
    const aLiveIdentity = (environment: 'production' | 'staging') =>
      hubDb.transaction((tx) =>
        tx.nhi.findFirstOrThrow({
          where: { deletedAt: null, environment },
          select: { id: true, version: true },
          orderBy: { name: 'asc' },
        }),
      );
    return { ...t, anOpenAlert, aLiveIdentity };
  }

  it('shows an alert acknowledged elsewhere in the hub at the next opening', async () => {
    const t = await setup();
    const before = await (await t.dashboardOf(t.vic)).overview();
    const alert = await t.anOpenAlert();
    await (await t.scopeOf(t.ana)).resolve(AlertService).acknowledge({ ids: [alert.id] });

    const after = await (await t.dashboardOf(t.vic)).overview();
    expect(openOf(after.figures)).toBe(openOf(before.figures) - 1);
  });

  it('shows an identity edited elsewhere in the hub at the next opening, filtered pages too', async () => {
    const t = await setup();
    const filter = { environment: ['production' as const] };
    const before = await (await t.dashboardOf(t.vic)).overview(filter);
    const staging = await t.aLiveIdentity('staging');
    await (await t.scopeOf(t.ana))
      .resolve(NhiService)
      .update({ id: staging.id, expectedVersion: staging.version, changes: { environment: 'production' } });

    const after = await (await t.dashboardOf(t.vic)).overview(filter);
    expect(after.figures.nhiTotal).toBe(before.figures.nhiTotal + 1);
  });

  it('serves an unchanged realm again with the time it was counted, never a later one', async () => {
    const t = await setup();
    const first = await (await t.dashboardOf(t.vic)).overview();
    t.clock.advanceSeconds(5);
    const again = await (await t.dashboardOf(t.vic)).overview();
    // The page says "updated N s ago" from asOf: the figures are as old as they are.
    expect(again.asOf).toEqual(first.asOf);
    // The refresh button asks for figures counted now.
    const asked = await (await t.dashboardOf(t.vic)).overview({}, { fresh: true });
    expect(asked.asOf).toEqual(t.clock.now());

    t.clock.advanceSeconds(overviewMaxAgeMs / 1000);
    const recounted = await (await t.dashboardOf(t.vic)).overview();
    expect(recounted.asOf).toEqual(t.clock.now());
  });

  it('never serves one realm the overview of another', async () => {
    const t = await setup();
    const hub = await (await t.dashboardOf(t.ana)).overview();
    const other = await (await t.dashboardOf(t.oli, t.otherRealm)).overview();
    expect(other.figures.nhiTotal).not.toBe(hub.figures.nhiTotal);
    const rows = await new RealmDb(t.db, t.otherRealm.id).transaction((tx) =>
      tx.nhi.count({ where: { deletedAt: null } }),
    );
    expect(other.figures.nhiTotal).toBe(rows);
  });
});
