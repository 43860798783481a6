import '@nhi/nhi';
import { AlertEvaluator } from '@nhi/alert';
import { alertsLinks, type DashboardLink, hrefOf, inventoryLinks } from '@nhi/dashboard/links';
import { ageBuckets, type DashboardFilter, riskLevels, severities } from '@nhi/dashboard/view';
import { seedDemoRealm } from '@nhi/nhi/demo';
import { openRequestScope, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { defaultParseSearch } from '@tanstack/react-router';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { listInputOf, parseInventorySearch } from '../../components/inventory/inventory-search.ts';
import { hubCaller } from '../rpc/caller.server.ts';

const adminEmail = 'ada@example.test';
const scannerSourceId = '3f0c7d52-8a41-4b6e-9d2f-51c0e8a7b913';

describeEachDatabase('dashboard links through the caller', (_kind, newDatabase) => {
  /** The demo realm, with its alerts and risk scores evaluated by the alert rules. */
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.member(adminEmail, 'hub', 'admin');
    const { realm } = await seedDemoRealm(hub.root, { adminEmail, now: hub.clock.now() });
    await hub.root.resolve(AlertEvaluator).evaluateRealm(realm.id);
    // A scanner source that reports every fourth identity of the demo realm.
    await new RealmDb(hub.db, realm.id).transaction(async (tx) => {
      await tx.source.create({
        data: { id: scannerSourceId, type: 'github', name: 'github org', environment: 'production' },
        select: { id: true },
      });
      const nhis = await tx.nhi.findMany({ select: { id: true }, orderBy: { name: 'asc' } });
      await tx.sourceItem.createMany({
        data: nhis
          .filter((_, n) => n % 4 === 0)
          .map((nhi) => ({
            sourceId: scannerSourceId,
            input: 'github.org',
            nhiId: nhi.id,
            contentHash: 'h',
            lastScanId: 'scan',
          })),
      });
    });
    const admin = await hub.db.systemPrisma.user.findUniqueOrThrow({ where: { email: adminEmail } });
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: 'test',
        realm,
        principal: { kind: 'user', userId: admin.id, email: adminEmail, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    // The procedures the dashboard, inventory and alerts pages run.
    const rpc = hubCaller(hub.root, scope);

    /** What the page behind the link lists: the URL read as the router and the inventory page read it. */
    async function inventoryCount(link: DashboardLink) {
      const [path, query = ''] = hrefOf(link).split('?');
      expect(path).toBe('/inventory');
      const search = parseInventorySearch(defaultParseSearch(`?${query}`));
      return (await rpc.nhi.list.query({ ...listInputOf(search), limit: 1 })).total;
    }

    async function inventoryIds(filter: DashboardFilter): Promise<Set<string>> {
      const ids = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await rpc.nhi.list.query({ ...filter, limit: 500, cursor });
        for (const item of page.items) ids.add(item.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return ids;
    }

    /** The alert list under the alerts URL contract; environment and source narrow it to those identities. */
    async function alertCount(link: DashboardLink) {
      const [path, query = ''] = hrefOf(link).split('?');
      expect(path).toBe('/alerts');
      const search = defaultParseSearch(`?${query}`) as Record<string, unknown>;
      const narrowed =
        search.environment || search.provider || search.source
          ? await inventoryIds({
              environment: search.environment as DashboardFilter['environment'],
              provider: search.provider as DashboardFilter['provider'],
              source: search.source as string[] | undefined,
            })
          : null;
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await rpc.alert.list.query({
          states: [search.state as 'open'],
          severities: search.severity ? [search.severity as 'high'] : undefined,
          owaspId: search.owasp as 'NHI1' | undefined,
          ownerUserId: search.owner as string | undefined,
          // As the alerts page passes it (the environment and provider lists are narrowed above).
          sources: search.source as string[] | undefined,
          limit: 500,
          cursor,
        });
        count += page.items.filter((item) => !narrowed || narrowed.has(item.nhiId ?? '')).length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return count;
    }

    return { ...hub, rpc, inventoryCount, alertCount };
  }

  it.each([
    ['the whole realm', {}],
    ['production', { environment: ['production'] }],
    ['aws and github in staging', { provider: ['aws', 'github'], environment: ['staging'] }],
    ['one scanner source', { source: [scannerSourceId] }],
  ] as [string, DashboardFilter][])(
    'leads from each figure of %s to a list of exactly that many',
    async (_name, filter) => {
      const t = await setup();

      const overview = await t.rpc.dashboard.overview.query(filter);
      const f = overview.figures;
      const open = severities.reduce((sum, severity) => sum + f.openAlerts[severity], 0);

      expect(f.nhiTotal).toBeGreaterThan(0);
      expect(open).toBeGreaterThan(0);
      expect(await t.inventoryCount(inventoryLinks.total(filter))).toBe(f.nhiTotal);
      expect(await t.inventoryCount(inventoryLinks.active(filter))).toBe(f.nhiActive);
      expect(await t.inventoryCount(inventoryLinks.unowned(filter))).toBe(f.unowned);
      expect(await t.inventoryCount(inventoryLinks.credentialsOlderThan90(filter))).toBe(
        f.credentialsOlderThan90,
      );
      expect(await t.inventoryCount(inventoryLinks.expiringWithin30(filter))).toBe(f.expiringWithin30);
      for (const { key, count } of overview.byKind)
        expect(await t.inventoryCount(inventoryLinks.kind(filter, key))).toBe(count);
      for (const { key, count } of overview.byProvider) {
        if (filter.provider && !filter.provider.includes(key)) continue;
        expect(await t.inventoryCount(inventoryLinks.provider(filter, key))).toBe(count);
      }
      for (const { key, count } of overview.byEnvironment) {
        if (filter.environment && !filter.environment.includes(key)) continue;
        expect(await t.inventoryCount(inventoryLinks.environment(filter, key))).toBe(count);
      }
      for (const bucket of ageBuckets) {
        const count = overview.credentialAge.find((item) => item.key === bucket)?.count;
        expect(await t.inventoryCount(inventoryLinks.credentialAge(filter, bucket))).toBe(count);
      }
      for (const level of riskLevels) {
        const count = overview.riskLevels.find((item) => item.key === level)?.count;
        expect(await t.inventoryCount(inventoryLinks.riskLevel(filter, level))).toBe(count);
      }
      // The demo realm has scored identities and credentials of several ages: the bands are not empty.
      if (!filter.provider) {
        expect(overview.riskLevels.filter((item) => item.key !== 'none' && item.count > 0)).not.toEqual([]);
        expect(overview.credentialAge.filter((item) => item.key !== '>365' && item.count > 0)).not.toEqual(
          [],
        );
      }
      expect(await t.alertCount(alertsLinks.open(filter))).toBe(open);
      for (const severity of severities) {
        expect(await t.alertCount(alertsLinks.severity(filter, severity))).toBe(f.openAlerts[severity]);
      }
      for (const { key, count } of overview.openAlertsByOwasp) {
        expect(await t.alertCount(alertsLinks.owasp(filter, key))).toBe(count);
      }
      for (const { owner, openAlerts } of overview.topOwners) {
        expect(await t.alertCount(alertsLinks.owner(filter, owner.id))).toBe(openAlerts);
      }
    },
    // Seeding the demo realm, evaluating its rules and opening every list behind the figures is
    // minutes of work on a busy two-core machine, far above the default.
    240_000,
  );

  it('writes the alerts page contract as documented', () => {
    expect(hrefOf(alertsLinks.owasp({}, 'NHI7'))).toBe('/alerts?state=open&owasp=NHI7');
    expect(hrefOf(alertsLinks.severity({ environment: ['production'] }, 'high'))).toBe(
      '/alerts?state=open&severity=high&environment=%5B%22production%22%5D',
    );
  });
});
