import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  azureAdGraph,
  azureAdGraphRole,
  ewsDelegated,
  exchange,
  exchangeRole,
  sharePoint,
  sharePointRole,
} from '../../testing/entra-other-apis-fixture.ts';
import {
  entraClientId,
  entraClientSecret,
  entraTenant,
  entraTenantId,
} from '../../testing/entra-tenant-fixture.ts';
import { type FakeGraphTenant, startFakeGraph } from '../../testing/fake-graph-server.ts';
import type { DiscoveredNhi } from '../connector.ts';
import { readEntraExport, readEntraLive } from './entra.ts';

const tenant = entraTenantId;
const vendor = '22222222-2222-4222-8222-222222222222';

/** The tenant's own API that happens to publish a role named like Exchange's. */
const ownApi = {
  id: 'sp-own-api',
  appId: 'cccccccc-0000-4000-8000-000000000003',
  displayName: 'Mailbox Archive API',
  appOwnerOrganizationId: tenant,
  servicePrincipalType: 'Application',
  appRoles: [{ id: 'bbbbbbbb-0000-4000-8000-000000000009', value: 'full_access_as_app' }],
};

const context = (settings: Record<string, unknown> = {}, secrets: Record<string, string> = {}) => ({
  settings,
  secrets,
  fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
  signal: new AbortController().signal,
  uploadName: 'entra.json',
});

/** A bundle whose one subject holds `roleId` of `resource` (listed with the export or not). */
function bundle(options: {
  resource: { id: string; displayName: string };
  roleId: string;
  listed?: boolean;
  publisher?: string;
}) {
  const sp = {
    id: 'sp-subject',
    appId: 'aaaaaaaa-0000-4000-8000-000000000001',
    displayName: 'subject',
    appOwnerOrganizationId: options.publisher ?? tenant,
    servicePrincipalType: 'Application',
    signInAudience: options.publisher ? 'AzureADMultipleOrgs' : 'AzureADMyOrg',
    passwordCredentials: [],
    keyCredentials: [],
  };
  return {
    tenantId: tenant,
    servicePrincipals: [...(options.listed === false ? [] : [options.resource]), sp],
    appRoleAssignments: {
      [sp.id]: [
        {
          id: 'assignment-1',
          appRoleId: options.roleId,
          principalId: sp.id,
          resourceId: options.resource.id,
          resourceDisplayName: options.resource.displayName,
        },
      ],
    },
  };
}

const readBundle = async (document: unknown) => {
  const output = await readEntraExport(Buffer.from(JSON.stringify(document)), context());
  return output.nhis.find((nhi) => nhi.name === 'subject') as DiscoveredNhi;
};
const grantsOf = (nhi: DiscoveredNhi | undefined) =>
  ((nhi?.permissions ?? []) as { permission: string; type: string }[])
    .filter((grant) => grant.type === 'application')
    .map((grant) => grant.permission);
const requestedOf = (nhi: DiscoveredNhi | undefined) =>
  (nhi?.metadata?.entra as { requestedPermissions?: unknown } | undefined)?.requestedPermissions;
const kindsOf = (nhi: DiscoveredNhi | undefined) => nhi?.facts.map((fact) => fact.kind).sort();

describe('entra.export: application permissions on APIs other than Microsoft Graph', () => {
  it.each([
    {
      name: 'Exchange Online full_access_as_app',
      resource: exchange,
      roleId: exchangeRole.fullAccessAsApp,
      permission: 'Office 365 Exchange Online: full_access_as_app',
      facts: ['entra.tenant_wide_write'],
    },
    {
      name: 'Exchange Online Exchange.ManageAsApp',
      resource: exchange,
      roleId: exchangeRole.manageAsApp,
      permission: 'Office 365 Exchange Online: Exchange.ManageAsApp',
      facts: ['entra.tenant_wide_write'],
    },
    {
      name: 'SharePoint Online Sites.FullControl.All',
      resource: sharePoint,
      roleId: sharePointRole.fullControl,
      permission: 'Office 365 SharePoint Online: Sites.FullControl.All',
      facts: ['entra.tenant_wide_write'],
    },
    {
      name: 'Azure AD Graph Application.ReadWrite.All',
      resource: azureAdGraph,
      roleId: azureAdGraphRole.applicationReadWrite,
      permission: 'Windows Azure Active Directory: Application.ReadWrite.All',
      facts: ['entra.privilege_escalation_permission'],
    },
    {
      name: 'SharePoint Online Sites.Read.All',
      resource: sharePoint,
      roleId: sharePointRole.readAll,
      permission: 'Office 365 SharePoint Online: Sites.Read.All',
      facts: [],
    },
    {
      name: 'Exchange Online Mail.Read',
      resource: exchange,
      roleId: exchangeRole.mailRead,
      permission: 'Office 365 Exchange Online: Mail.Read',
      facts: [],
    },
    {
      name: 'Azure AD Graph Directory.Read.All',
      resource: azureAdGraph,
      roleId: azureAdGraphRole.directoryRead,
      permission: 'Windows Azure Active Directory: Directory.Read.All',
      facts: [],
    },
    {
      name: 'the tenant’s own API’s role named full_access_as_app',
      resource: ownApi,
      roleId: 'bbbbbbbb-0000-4000-8000-000000000009',
      permission: 'Mailbox Archive API: full_access_as_app',
      facts: [],
    },
  ])('$name is named after its API: $facts', async ({ resource, roleId, permission, facts }) => {
    const subject = await readBundle(bundle({ resource, roleId }));

    expect(grantsOf(subject)).toEqual([permission]);
    expect(kindsOf(subject)).toEqual(facts);
  });

  it('names the API in the evidence of a third party holding full_access_as_app', async () => {
    const subject = await readBundle(
      bundle({ resource: exchange, roleId: exchangeRole.fullAccessAsApp, publisher: vendor }),
    );

    expect(kindsOf(subject)).toEqual(['entra.tenant_wide_write', 'entra.third_party_write']);
    expect(subject.facts.find((fact) => fact.kind === 'entra.third_party_write')?.evidence).toMatchObject({
      resource: 'Office 365 Exchange Online',
      permissions: ['Office 365 Exchange Online: full_access_as_app'],
      publisherTenantId: vendor,
    });
  });

  it('keeps the id of a permission whose API is not in the export, and judges nothing by it', async () => {
    const subject = await readBundle(
      bundle({ resource: exchange, roleId: exchangeRole.fullAccessAsApp, listed: false }),
    );

    expect(grantsOf(subject)).toEqual([exchangeRole.fullAccessAsApp]);
    expect(kindsOf(subject)).toEqual([]);
  });

  it('names the permissions an application asks for from the APIs in the export, judging none', async () => {
    const subject = await readBundle({
      tenantId: tenant,
      servicePrincipals: [exchange],
      applications: [
        {
          id: 'app-subject',
          appId: 'aaaaaaaa-0000-4000-8000-000000000001',
          displayName: 'subject',
          requiredResourceAccess: [
            {
              resourceAppId: exchange.appId,
              resourceAccess: [
                { id: exchangeRole.fullAccessAsApp, type: 'Role' },
                { id: ewsDelegated, type: 'Scope' },
              ],
            },
            {
              resourceAppId: '00000003-0000-0000-c000-000000000000',
              resourceAccess: [{ id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', type: 'Role' }],
            },
          ],
        },
      ],
    });

    expect(requestedOf(subject)).toEqual([
      expect.objectContaining({
        permission: 'Office 365 Exchange Online: full_access_as_app',
        type: 'application',
      }),
      expect.objectContaining({
        permission: 'Office 365 Exchange Online: EWS.AccessAsUser.All',
        type: 'delegated',
      }),
      expect.objectContaining({ permission: 'Directory.ReadWrite.All', resource: 'Microsoft Graph' }),
    ]);
    expect(kindsOf(subject)).toEqual([]);
  });
});

/** The fixture tenant with Exchange and SharePoint, its own application granted and asking permissions. */
async function liveSetup(overrides: Partial<FakeGraphTenant> = {}) {
  const base = entraTenant();
  const graph = await startFakeGraph({
    ...base,
    servicePrincipals: [...base.servicePrincipals, exchange, sharePoint],
    applications: base.applications.map((app) => ({
      ...(app as object),
      requiredResourceAccess: [
        {
          resourceAppId: exchange.appId,
          resourceAccess: [{ id: exchangeRole.fullAccessAsApp, type: 'Role' }],
        },
        // An API the tenant has no service principal of: asked for, never consented.
        {
          resourceAppId: 'eeeeeeee-0000-4000-8000-00000000000e',
          resourceAccess: [{ id: 'eeeeeeee-0000-4000-8000-0000000000e1', type: 'Role' }],
        },
      ],
    })),
    appRoleAssignments: {
      'sp-sync': [
        {
          id: 'a-1',
          appRoleId: exchangeRole.fullAccessAsApp,
          principalId: 'sp-sync',
          resourceId: 'sp-exchange',
        },
        { id: 'a-2', appRoleId: sharePointRole.readAll, principalId: 'sp-sync', resourceId: 'sp-sharepoint' },
      ],
      'sp-vendor': [
        {
          id: 'a-3',
          appRoleId: exchangeRole.manageAsApp,
          principalId: 'sp-vendor',
          resourceId: 'sp-exchange',
        },
      ],
    },
    ...overrides,
  });
  onTestFinished(() => graph.close());
  const settings = { tenantId: entraTenantId, authorityHost: graph.baseUrl, graphEndpoint: graph.baseUrl };
  const output = await readEntraLive(
    context(settings, { clientId: entraClientId, clientSecret: entraClientSecret }),
  );
  const byName = (name: string) => output.nhis.find((nhi) => nhi.name === name);
  return { graph, output, byName };
}

describe('Entra ID live collection: permissions on other APIs', () => {
  it('reads each API’s service principal once, names its permissions and judges them', async () => {
    const { graph, output, byName } = await liveSetup();

    expect(grantsOf(byName('directory-sync'))).toEqual([
      'Office 365 Exchange Online: full_access_as_app',
      'Office 365 SharePoint Online: Sites.Read.All',
    ]);
    expect(kindsOf(byName('directory-sync'))).toEqual(['entra.tenant_wide_write']);
    expect(grantsOf(byName('Vendor CRM'))).toEqual(['Office 365 Exchange Online: Exchange.ManageAsApp']);
    expect(kindsOf(byName('Vendor CRM'))).toEqual(['entra.tenant_wide_write', 'entra.third_party_write']);
    expect(requestedOf(byName('directory-sync'))).toEqual([
      expect.objectContaining({ permission: 'Office 365 Exchange Online: full_access_as_app' }),
      expect.objectContaining({ permission: 'eeeeeeee-0000-4000-8000-0000000000e1' }),
    ]);
    const reads = graph.requests.filter((request) =>
      /^GET \/v1\.0\/servicePrincipals[/(][^/]*$/.test(request),
    );
    expect(reads.map((request) => request.split('?')[0]).sort()).toEqual([
      "GET /v1.0/servicePrincipals(appId='eeeeeeee-0000-4000-8000-00000000000e')",
      'GET /v1.0/servicePrincipals/sp-exchange',
      'GET /v1.0/servicePrincipals/sp-sharepoint',
    ]);
    expect(output.warnings.map((warning) => warning.item)).toEqual(['sign-in activity']);
  });

  it('leaves the id of a permission whose API the credentials may not read, and scans on', async () => {
    const { output, byName } = await liveSetup({ unreadableServicePrincipals: ['sp-exchange'] });

    expect(grantsOf(byName('directory-sync'))).toEqual([
      exchangeRole.fullAccessAsApp,
      'Office 365 SharePoint Online: Sites.Read.All',
    ]);
    expect(kindsOf(byName('directory-sync'))).toEqual([]);
    expect(output.warnings.map((warning) => warning.item)).toEqual(['sign-in activity']);
  });
});
