import { DashboardService } from '@nhi/dashboard';
import { openRequestScope, RealmDb, type RealmSummary } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { combinedOverviewOf } from './dashboard-combined.server.ts';

describeEachDatabase('combined dashboard', (_kind, newDatabase) => {
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
    return { ...hub, realms, scopeOf };
  }

  it('adds up every realm the user can read, each read in its own realm, and no other realm', async () => {
    const t = await setup();
    const { combined } = await combinedOverviewOf(t.root, await t.scopeOf(t.realms.hub), {});
    expect(combined.realms.map((realm) => realm.slug)).toEqual(['hub', 'lab']);
    expect(combined.figures.nhiTotal).toBe(3 + 2 + 4);

    const lab = await (await t.scopeOf(t.realms.lab)).container.resolve(DashboardService).overview();
    const hub = await (await t.scopeOf(t.realms.hub)).container.resolve(DashboardService).overview();
    expect(combined.byEnvironment.find((item) => item.key === 'staging')?.count).toBe(4);
    expect(combined.figures.nhiActive).toBe(hub.figures.nhiActive + lab.figures.nhiActive);
  });

  it('applies the page filter in every realm', async () => {
    const t = await setup();
    const { combined } = await combinedOverviewOf(t.root, await t.scopeOf(t.realms.lab), {
      environment: ['production'],
    });
    expect(combined.figures.nhiTotal).toBe(3 + 2);
  });

  it('refuses a caller with an API token: a token is bound to one realm', async () => {
    const t = await setup();
    await expect(combinedOverviewOf(t.root, await t.scopeOf(t.realms.hub, 'bearer'), {})).rejects.toThrow(
      /logged-in user/,
    );
  });
});
