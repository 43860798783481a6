import {
  createCaller,
  openRequestScope,
  procedurePermissions,
  RealmDb,
  type RealmSummary,
  router,
} from '@nhi/platform';
import { describeEachDatabase, setupHub } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { DashboardService } from '../service/dashboard.service.ts';
import { dashboardRouter } from './dashboard.procedures.ts';

/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ dashboard: dashboardRouter });

it('declares dashboard:read on the overviews, realm:read on the quick search, report:read and report:manage on reports; the combined overview runs on the hub, across instances', () => {
  expect(procedurePermissions(dashboardRouter)).toEqual([
    { path: 'combinedOverview', permission: 'dashboard:read', hubOnly: true },
    { path: 'overview', permission: 'dashboard:read', hubOnly: false },
    { path: 'report.preview', permission: 'report:read', hubOnly: false },
    { path: 'report.produce', permission: 'report:read', hubOnly: false },
    { path: 'report.schedules.create', permission: 'report:manage', hubOnly: false },
    { path: 'report.schedules.delete', permission: 'report:manage', hubOnly: false },
    { path: 'report.schedules.list', permission: 'report:manage', hubOnly: false },
    { path: 'report.schedules.update', permission: 'report:manage', hubOnly: false },
    { path: 'search', permission: 'realm:read', hubOnly: false },
  ]);
});

describeEachDatabase('dashboard.* through the caller', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    const realms = {
      hub: await hub.realm('hub', 'Hub'),
      lab: await hub.realm('lab', 'Lab'),
      other: await hub.realm('other', 'Other'),
    };
    const ada = await hub.member('ada@example.test', 'hub', 'admin');
    await hub.member('ada@example.test', 'lab', 'viewer');
    await hub.member('oli@example.test', 'other', 'admin');
    const identities = async (realm: RealmSummary, count: number, environment: 'production' | 'staging') =>
      new RealmDb(hub.db, realm.id).transaction((tx) =>
        tx.nhi.createMany({
          data: Array.from({ length: count }, (_, n) => ({
            kind: 'service_account' as const,
            provider: 'aws' as const,
            environment,
            externalId: `${realm.slug}-${environment}-${n}`,
            name: `${realm.slug}-${n}`,
          })),
        }),
      );
    await identities(realms.hub, 3, 'production');
    await identities(realms.lab, 2, 'production');
    await identities(realms.lab, 4, 'staging');
    await identities(realms.other, 7, 'production');

    const scopeOf = (realm: RealmSummary, credential: 'session' | 'bearer' = 'session') =>
      openRequestScope(hub.root, {
        context: {
          requestId: 'test',
          realm,
          principal: { kind: 'user', userId: ada.id, email: ada.email, sessionId: 'test' },
          clock: hub.clock,
        },
        credential,
      });
    const callerOf = async (realm: RealmSummary, credential?: 'session' | 'bearer') =>
      createCaller(appRouter, hub.root, await scopeOf(realm, credential));
    return { ...hub, realms, scopeOf, callerOf };
  }

  it('serves the realm’s overview with its age by the server’s clock, and counts anew when asked', async () => {
    const t = await setup();
    const ada = await t.callerOf(t.realms.hub);
    const first = await ada.dashboard.overview.query({});

    t.clock.advanceSeconds(4);
    const again = await ada.dashboard.overview.query({});
    const fresh = await ada.dashboard.overview.query({ fresh: true });

    expect(first.figures.nhiTotal).toBe(3);
    expect(first.ageMs).toBe(0);
    expect(again.asOf).toEqual(first.asOf);
    expect(again.ageMs).toBe(4000);
    expect(fresh.asOf).toEqual(t.clock.now());
    expect(fresh.ageMs).toBe(0);
  });

  it('adds up every realm the user can read, each read in its own realm, and no other realm', async () => {
    const t = await setup();

    const combined = await (await t.callerOf(t.realms.hub)).dashboard.combinedOverview.query({});

    expect(combined.realms.map((realm) => realm.slug)).toEqual(['hub', 'lab']);
    expect(combined.figures.nhiTotal).toBe(3 + 2 + 4);
    const lab = await (await t.scopeOf(t.realms.lab)).container.resolve(DashboardService).overview();
    const hub = await (await t.scopeOf(t.realms.hub)).container.resolve(DashboardService).overview();
    expect(combined.byEnvironment.find((item) => item.key === 'staging')?.count).toBe(4);
    expect(combined.figures.nhiActive).toBe(hub.figures.nhiActive + lab.figures.nhiActive);
  });

  it('applies the page filter in every realm, and says how old the oldest realm’s figures are', async () => {
    const t = await setup();
    const ada = await t.callerOf(t.realms.lab);
    await ada.dashboard.overview.query({ environment: ['production'] });
    t.clock.advanceSeconds(3);

    const combined = await ada.dashboard.combinedOverview.query({ environment: ['production'] });

    expect(combined.figures.nhiTotal).toBe(3 + 2);
    // The lab realm is served what it counted three seconds before; the hub realm is counted now.
    expect(combined.ageMs).toBe(3000);
  });

  it('refuses a caller with an API token: a token is bound to one realm', async () => {
    const t = await setup();

    const refused = await (await t.callerOf(t.realms.hub, 'bearer')).dashboard.combinedOverview
      .query({})
      .catch((error: unknown) => error);

    expect((refused as { data?: { code: string } }).data?.code).toBe('BAD_REQUEST');
    expect((refused as Error).message).toMatch(/logged-in user/);
  });
});
