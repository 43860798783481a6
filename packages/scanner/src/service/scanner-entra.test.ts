import { refreshOwnerSuggestions } from '@nhi/nhi';
import { createLogger, LOGGER, RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import {
  entraClientId,
  entraClientSecret,
  entraTenant,
  entraTenantId,
} from '../testing/entra-tenant-fixture.ts';
import { startFakeGraph } from '../testing/fake-graph-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const lines: string[] = [];
  hub.root.register(LOGGER, {
    useValue: createLogger({ level: 'trace', destination: { write: (line: string) => lines.push(line) } }),
  });
  const tenant = entraTenant();
  const graph = await startFakeGraph(tenant);
  onTestFinished(() => graph.close());
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({
    type: 'entra',
    name: 'contoso',
    settings: { tenantId: entraTenantId, authorityHost: graph.baseUrl, graphEndpoint: graph.baseUrl },
    secrets: { clientId: entraClientId, clientSecret: entraClientSecret },
  });
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const stored = () =>
    realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({
        select: { externalId: true, kind: true, name: true, provider: true },
        orderBy: { name: 'asc' },
      }),
      credentials: await tx.credential.findMany({
        select: { hint: true, kind: true, expiresAt: true },
        orderBy: { hint: 'asc' },
      }),
      facts: (await tx.scanFact.findMany({ select: { kind: true } })).map((fact) => fact.kind).sort(),
      rows: (
        await tx.$queryRaw<{ row: string }[]>`
          SELECT row_to_json(n)::text AS row FROM "Nhi" AS n
          UNION ALL SELECT row_to_json(c)::text FROM "Credential" AS c
          UNION ALL SELECT row_to_json(s)::text FROM (SELECT id, warnings, error FROM "Scan") AS s
          UNION ALL SELECT row_to_json(f)::text FROM "ScanFact" AS f`
      )
        .map((entry) => entry.row)
        .join('\n'),
    }));
  return { ...hub, tenant, scanner, source, stored, realmDb, lines };
}

describeEachDatabase('Entra ID scans', (_kind, newDatabase) => {
  it('scans a tenant live with the source’s client credentials, storing and logging no secret, owners suggested', async () => {
    const { scanner, source, finished, stored, lines, realmDb, ana } = await setup(newDatabase);

    const started = await scanner.startScan({ sourceId: source.id, input: 'entra.live' });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const { nhis, credentials, facts, rows } = await stored();
    expect(nhis).toEqual([
      {
        externalId: 'azure:app:aaaaaaaa-0000-4000-8000-000000000002',
        kind: 'oauth_app',
        name: 'Vendor CRM',
        provider: 'azure',
      },
      {
        externalId: 'azure:app:aaaaaaaa-0000-4000-8000-000000000001',
        kind: 'service_account',
        name: 'directory-sync',
        provider: 'azure',
      },
    ]);
    expect(credentials).toEqual([
      {
        hint: 'k1P… 0a0a0a0a-0000-4000-8000-000000000001',
        kind: 'client_secret',
        expiresAt: new Date('2024-01-10T08:00:00Z'),
      },
      {
        hint: 'm4T… 0a0a0a0a-0000-4000-8000-000000000002',
        kind: 'client_secret',
        expiresAt: new Date('2099-01-05T08:00:00Z'),
      },
    ]);
    expect(facts).toEqual(['entra.tenant_wide_write', 'entra.tenant_wide_write', 'entra.third_party_write']);
    expect(exposedRuns(rows, entraClientSecret)).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
    expect(exposedRuns(lines.join('\n'), entraClientSecret)).toEqual([]);
    // The application's owner is suggested as the owner of its identity, as for other sources' tags.
    await refreshOwnerSuggestions(realmDb);
    const suggestions = await realmDb.transaction((tx) =>
      tx.ownerSuggestion.findMany({ select: { userId: true, nhi: { select: { name: true } } } }),
    );
    expect(suggestions).toEqual([{ userId: ana.id, nhi: { name: 'directory-sync' } }]);
  });

  it('imports a bundle export into the same identities as the live scan', async () => {
    const { scanner, source, finished, stored, tenant } = await setup(newDatabase);
    await finished(scanner, (await scanner.startScan({ sourceId: source.id, input: 'entra.live' })).id);
    const bundle = {
      tenantId: entraTenantId,
      servicePrincipals: tenant.servicePrincipals,
      applications: tenant.applications,
      appRoleAssignments: tenant.appRoleAssignments,
      owners: tenant.owners,
    };

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'entra.export',
      upload: { name: 'entra.json', contentBase64: Buffer.from(JSON.stringify(bundle)).toString('base64') },
    });
    const scan = await finished(scanner, started.id);

    expect(scan.state).toBe('succeeded');
    expect((await stored()).nhis.map((nhi) => nhi.name)).toEqual(['Vendor CRM', 'directory-sync']);
  });
});
