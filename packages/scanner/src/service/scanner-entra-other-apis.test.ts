import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { exchange, exchangeRole, sharePoint, sharePointRole } from '../testing/entra-other-apis-fixture.ts';
import {
  entraClientId,
  entraClientSecret,
  entraTenant,
  entraTenantId,
} from '../testing/entra-tenant-fixture.ts';
import { startFakeGraph } from '../testing/fake-graph-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';

/**
 * A tenant whose own application holds Exchange Online's full_access_as_app and whose vendor
 * application holds only SharePoint Online's Sites.Read.All, scanned live by an Entra source.
 */
async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const base = entraTenant();
  const graph = await startFakeGraph({
    ...base,
    servicePrincipals: [...base.servicePrincipals, exchange, sharePoint],
    appRoleAssignments: {
      'sp-sync': [
        {
          id: 'a-1',
          appRoleId: exchangeRole.fullAccessAsApp,
          principalId: 'sp-sync',
          resourceId: 'sp-exchange',
        },
      ],
      'sp-vendor': [
        {
          id: 'a-2',
          appRoleId: sharePointRole.readAll,
          principalId: 'sp-vendor',
          resourceId: 'sp-sharepoint',
        },
      ],
    },
  });
  onTestFinished(() => graph.close());
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({
    type: 'entra',
    name: 'contoso',
    settings: { tenantId: entraTenantId, authorityHost: graph.baseUrl, graphEndpoint: graph.baseUrl },
    secrets: { clientId: entraClientId, clientSecret: entraClientSecret },
  });
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  return { ...hub, scanner, source, realmDb };
}

describeEachDatabase('Entra ID scans: permissions on other APIs', (_kind, newDatabase) => {
  it('stores the permissions named after their APIs, and a write fact for full_access_as_app only', async () => {
    const { scanner, source, finished, realmDb } = await setup(newDatabase);

    const scan = await finished(
      scanner,
      (await scanner.startScan({ sourceId: source.id, input: 'entra.live' })).id,
    );

    expect(scan.state).toBe('succeeded');
    const stored = await realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({ select: { name: true, permissions: true }, orderBy: { name: 'asc' } }),
      facts: await tx.scanFact.findMany({ select: { kind: true, evidence: true } }),
    }));
    expect(
      stored.nhis.map((nhi) => [
        nhi.name,
        (nhi.permissions as { permission: string }[]).map((p) => p.permission),
      ]),
    ).toEqual([
      ['Vendor CRM', ['Office 365 SharePoint Online: Sites.Read.All']],
      ['directory-sync', ['Office 365 Exchange Online: full_access_as_app']],
    ]);
    expect(stored.facts).toEqual([
      {
        kind: 'entra.tenant_wide_write',
        evidence: {
          resource: 'Office 365 Exchange Online',
          permissions: ['Office 365 Exchange Online: full_access_as_app'],
        },
      },
    ]);
  });
});
