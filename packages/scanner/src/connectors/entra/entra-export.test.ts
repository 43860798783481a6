import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readEntraExport } from './entra.ts';

const tenant = '11111111-1111-4111-8111-111111111111';
const vendor = '22222222-2222-4222-8222-222222222222';
const microsoft = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const graphAppId = '00000003-0000-0000-c000-000000000000';
const role = {
  directoryReadWriteAll: '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
  userReadAll: 'df021288-bdef-4463-88db-98f22de89214',
  mailReadWrite: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
  roleManagementReadWrite: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
  applicationReadWriteOwnedBy: '18a4783c-866b-4cc7-a460-3d5e5662c884',
};
const globalAdministrator = '62e90394-69f5-4237-9190-012177145e10';
const directoryReaders = '88d8e3e3-8f55-4a1e-953a-9b9898b8876b';

const graphSp = {
  id: 'sp-graph',
  appId: graphAppId,
  displayName: 'Microsoft Graph',
  appOwnerOrganizationId: microsoft,
  servicePrincipalType: 'Application',
  signInAudience: 'AzureADMultipleOrgs',
};

const context = (settings: Record<string, unknown> = {}) => ({
  settings,
  secrets: {},
  fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
  signal: new AbortController().signal,
  uploadName: 'entra.json',
});

const read = (document: unknown, settings: Record<string, unknown> = {}) =>
  readEntraExport(
    Buffer.from(typeof document === 'string' ? document : JSON.stringify(document)),
    context(settings),
  );

/** The subject: one service principal, own or of another publisher, with Graph assignments and roles. */
function setup(options: {
  publisher?: string;
  audience?: string;
  appRoleIds?: string[];
  directoryRoles?: string[];
  resource?: Record<string, unknown>;
  delegated?: string;
  credentials?: boolean;
}) {
  const own = (options.publisher ?? tenant) === tenant;
  const sp = {
    id: 'sp-subject',
    appId: 'aaaaaaaa-0000-4000-8000-000000000001',
    displayName: 'subject',
    appOwnerOrganizationId: options.publisher ?? tenant,
    servicePrincipalType: 'Application',
    signInAudience: options.audience ?? 'AzureADMyOrg',
    accountEnabled: true,
    passwordCredentials: options.credentials
      ? [{ keyId: 'key-1', hint: 'abc', endDateTime: '2099-01-01T00:00:00Z' }]
      : [],
    keyCredentials: [],
  };
  const resource = options.resource ?? graphSp;
  return {
    tenantId: tenant,
    servicePrincipals: [graphSp, ...(options.resource ? [options.resource] : []), sp],
    applications: own
      ? [
          {
            id: 'app-subject',
            appId: sp.appId,
            displayName: 'subject',
            signInAudience: sp.signInAudience,
            requiredResourceAccess: options.delegated
              ? [{ resourceAppId: graphAppId, resourceAccess: [{ id: options.delegated, type: 'Scope' }] }]
              : [],
          },
        ]
      : [],
    appRoleAssignments: {
      [sp.id]: (options.appRoleIds ?? []).map((appRoleId, index) => ({
        id: `assignment-${index}`,
        appRoleId,
        principalId: sp.id,
        resourceId: resource.id,
        resourceDisplayName: resource.displayName,
      })),
    },
    oauth2PermissionGrants: options.delegated
      ? [
          {
            clientId: sp.id,
            consentType: 'AllPrincipals',
            resourceId: graphSp.id,
            scope: 'Directory.ReadWrite.All',
          },
        ]
      : [],
    roleAssignments: (options.directoryRoles ?? []).map((roleDefinitionId, index) => ({
      id: `role-${index}`,
      principalId: sp.id,
      roleDefinitionId,
      directoryScopeId: '/',
    })),
    owners: {},
  };
}

describe('entra.export: what application permissions and directory roles say', () => {
  it.each([
    {
      name: 'Graph Directory.ReadWrite.All as an application permission',
      options: { appRoleIds: [role.directoryReadWriteAll] },
      facts: ['entra.tenant_wide_write'],
    },
    { name: 'Graph User.Read.All', options: { appRoleIds: [role.userReadAll] }, facts: [] },
    {
      name: 'Directory.ReadWrite.All only as a delegated scope (requested and consented)',
      options: { delegated: 'c5366453-9fb0-48a5-a156-24f0c49a4b84' },
      facts: [],
    },
    {
      name: 'Graph RoleManagement.ReadWrite.Directory',
      options: { appRoleIds: [role.roleManagementReadWrite] },
      facts: ['entra.privilege_escalation_permission'],
    },
    {
      name: 'the Global Administrator directory role',
      options: { directoryRoles: [globalAdministrator] },
      facts: ['entra.privilege_escalation_permission'],
    },
    {
      name: 'the Directory Readers directory role',
      options: { directoryRoles: [directoryReaders] },
      facts: [],
    },
    {
      name: 'Graph Application.ReadWrite.OwnedBy (its own applications only)',
      options: { appRoleIds: [role.applicationReadWriteOwnedBy] },
      facts: [],
    },
    {
      name: 'a multi-tenant application of another publisher with Graph Mail.ReadWrite',
      options: { publisher: vendor, audience: 'AzureADMultipleOrgs', appRoleIds: [role.mailReadWrite] },
      facts: ['entra.tenant_wide_write', 'entra.third_party_write'],
    },
    {
      name: 'a multi-tenant application of another publisher with Graph User.Read.All',
      options: { publisher: vendor, audience: 'AzureADMultipleOrgs', appRoleIds: [role.userReadAll] },
      facts: [],
    },
    {
      name: 'a Microsoft first-party service principal with Graph Mail.ReadWrite',
      options: {
        publisher: microsoft,
        audience: 'AzureADMultipleOrgs',
        appRoleIds: [role.mailReadWrite],
        credentials: true,
      },
      facts: ['entra.tenant_wide_write'],
    },
    {
      name: 'a permission of another API named like a Graph one',
      options: {
        publisher: vendor,
        audience: 'AzureADMultipleOrgs',
        appRoleIds: ['bbbbbbbb-0000-4000-8000-000000000009'],
        resource: {
          id: 'sp-orders',
          appId: 'cccccccc-0000-4000-8000-000000000003',
          displayName: 'Orders API',
          appOwnerOrganizationId: tenant,
          servicePrincipalType: 'Application',
          appRoles: [{ id: 'bbbbbbbb-0000-4000-8000-000000000009', value: 'Mail.ReadWrite' }],
        },
      },
      facts: [],
    },
    {
      name: 'a Graph permission named by the Graph service principal’s own appRoles',
      options: {
        appRoleIds: ['dddddddd-0000-4000-8000-000000000004'],
        resource: {
          ...graphSp,
          id: 'sp-graph-with-roles',
          appRoles: [{ id: 'dddddddd-0000-4000-8000-000000000004', value: 'Sites.FullControl.All' }],
        },
      },
      facts: ['entra.tenant_wide_write'],
    },
  ])('$name: $facts', async ({ options, facts }) => {
    const output = await read(setup(options));
    const subject = output.nhis.find((nhi) => nhi.name === 'subject');

    expect(subject?.facts.map((fact) => fact.kind).sort()).toEqual(facts);
  });

  it('names the permission and the resource API in the evidence', async () => {
    const output = await read(
      setup({ publisher: vendor, audience: 'AzureADMultipleOrgs', appRoleIds: [role.mailReadWrite] }),
    );
    const facts = output.nhis.find((nhi) => nhi.name === 'subject')?.facts ?? [];

    expect(facts.find((fact) => fact.kind === 'entra.third_party_write')?.evidence).toMatchObject({
      resource: 'Microsoft Graph',
      permissions: ['Mail.ReadWrite'],
      publisherTenantId: vendor,
      signInAudience: 'AzureADMultipleOrgs',
    });
  });

  it('reads own applications as service accounts and others’ as OAuth apps, skipping idle Microsoft ones', async () => {
    const output = await read(setup({ publisher: vendor, audience: 'AzureADMultipleOrgs' }));

    expect(output.nhis.map((nhi) => [nhi.name, nhi.kind])).toEqual([['subject', 'oauth_app']]);
    const own = await read(setup({}));
    expect(own.nhis.map((nhi) => [nhi.name, nhi.kind, nhi.externalId])).toEqual([
      ['subject', 'service_account', 'azure:app:aaaaaaaa-0000-4000-8000-000000000001'],
    ]);
  });
});

const secretText = 'Xy9~Q8Q~zK3vT7pLm2Rw5nB8dF1hJ4gS6aYc0uE.Wq';

function credentialsSetup(signInActivities?: unknown[]) {
  const app = {
    id: 'app-1',
    appId: 'aaaaaaaa-0000-4000-8000-000000000010',
    displayName: 'billing-sync',
    signInAudience: 'AzureADMyOrg',
    createdDateTime: '2023-05-01T10:00:00Z',
    publisherDomain: 'contoso.onmicrosoft.com',
    passwordCredentials: [
      {
        keyId: 'e1e1e1e1-0000-4000-8000-000000000001',
        displayName: 'old',
        hint: 'Q1w',
        startDateTime: '2023-05-01T10:00:00Z',
        endDateTime: '2024-05-01T10:00:00Z',
      },
      {
        keyId: 'e1e1e1e1-0000-4000-8000-000000000002',
        displayName: 'current',
        hint: 'Xy9',
        startDateTime: '2025-01-01T00:00:00Z',
        endDateTime: '2099-01-01T00:00:00Z',
        secretText,
      },
    ],
    keyCredentials: [
      {
        keyId: 'c0c0c0c0-0000-4000-8000-000000000003',
        displayName: 'CN=billing-sync',
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        startDateTime: '2025-02-01T00:00:00Z',
        endDateTime: '2098-02-01T00:00:00Z',
      },
    ],
  };
  const sp = {
    id: 'sp-1',
    appId: app.appId,
    displayName: 'billing-sync',
    appOwnerOrganizationId: tenant,
    servicePrincipalType: 'Application',
    accountEnabled: false,
    passwordCredentials: [],
    keyCredentials: [],
  };
  return {
    servicePrincipals: [sp],
    applications: [app],
    owners: {
      'sp-1': [
        {
          '@odata.type': '#microsoft.graph.user',
          id: 'user-1',
          displayName: 'Ana',
          userPrincipalName: 'ana@example.com',
          mail: 'ana@example.com',
        },
      ],
      'app-1': [
        {
          '@odata.type': '#microsoft.graph.user',
          id: 'user-2',
          userPrincipalName: 'bo@example.com',
          mail: null,
        },
        { '@odata.type': '#microsoft.graph.user', id: 'user-1', userPrincipalName: 'ana@example.com' },
      ],
    },
    ...(signInActivities ? { signInActivities } : {}),
  };
}

describe('entra.export: credentials, owners, status and use', () => {
  it('reads client secrets and certificates of the application with their dates', async () => {
    const output = await read(credentialsSetup());
    const [nhi] = output.nhis;

    expect(nhi?.status).toBe('disabled');
    expect(nhi?.providerCreatedAt).toEqual(new Date('2023-05-01T10:00:00Z'));
    expect(nhi?.credentials).toEqual([
      expect.objectContaining({
        key: 'Q1w… e1e1e1e1-0000-4000-8000-000000000001',
        kind: 'client_secret',
        expiresAt: new Date('2024-05-01T10:00:00Z'),
      }),
      expect.objectContaining({ key: 'Xy9… e1e1e1e1-0000-4000-8000-000000000002', kind: 'client_secret' }),
      expect.objectContaining({
        key: 'certificate c0c0c0c0-0000-4000-8000-000000000003',
        kind: 'certificate',
        expiresAt: new Date('2098-02-01T00:00:00Z'),
      }),
    ]);
    expect(nhi?.credentials?.[0]?.expiresAt?.getTime()).toBeLessThan(Date.now());
  });

  it('keeps only a fingerprint of a secret value the export carries', async () => {
    const output = await read(credentialsSetup());

    expect(exposedRuns(output, secretText)).toEqual([]);
    expect(output.nhis[0]?.credentials?.[1]?.fingerprint).toBe(
      createHash('sha256').update(secretText).digest('hex'),
    );
  });

  it('joins the owners of the service principal and of the application, once each, as owner tags', async () => {
    const output = await read(credentialsSetup());

    expect(output.nhis[0]?.metadata?.entra).toMatchObject({
      owners: [
        expect.objectContaining({ id: 'user-1', userPrincipalName: 'ana@example.com', type: 'user' }),
        expect.objectContaining({ id: 'user-2', userPrincipalName: 'bo@example.com' }),
      ],
      ownerEmails: ['ana@example.com', 'bo@example.com'],
    });
    expect(output.nhis[0]?.metadata?.authorization).toEqual({
      tags: { owner: 'ana@example.com', '2/owner': 'bo@example.com' },
    });
  });

  it.each([
    {
      name: 'without the sign-in report, last use is unknown and nothing is called unused',
      activities: undefined,
      lastUsedAt: null,
      neverUsed: [],
    },
    {
      name: 'with a sign-in of the application as a client, that is its last use',
      activities: [
        {
          appId: 'aaaaaaaa-0000-4000-8000-000000000010',
          lastSignInActivity: { lastSignInDateTime: '2025-06-02T00:00:00Z' },
          applicationAuthenticationClientSignInActivity: { lastSignInDateTime: '2025-06-01T00:00:00Z' },
        },
      ],
      lastUsedAt: new Date('2025-06-01T00:00:00Z'),
      neverUsed: [],
    },
    {
      name: 'with a report that has no sign-in of it, its unexpired credentials were never used',
      activities: [{ appId: 'ffffffff-0000-4000-8000-00000000ffff', lastSignInActivity: null }],
      lastUsedAt: null,
      neverUsed: [
        'azure:app:aaaaaaaa-0000-4000-8000-000000000010|Xy9… e1e1e1e1-0000-4000-8000-000000000002',
        'azure:app:aaaaaaaa-0000-4000-8000-000000000010|certificate c0c0c0c0-0000-4000-8000-000000000003',
      ],
    },
  ])('$name', async ({ activities, lastUsedAt, neverUsed }) => {
    const output = await read(credentialsSetup(activities));
    const [nhi] = output.nhis;

    expect(nhi?.lastUsedAt).toEqual(lastUsedAt);
    expect(nhi?.facts.filter((f) => f.kind === 'credential.never_used').map((f) => f.subject)).toEqual(
      neverUsed,
    );
  });
});

describe('entra.export: the shapes it accepts', () => {
  const spList = [
    graphSp,
    {
      id: 'sp-own',
      appId: 'aaaaaaaa-0000-4000-8000-000000000020',
      displayName: 'deployer',
      appOwnerOrganizationId: tenant,
      servicePrincipalType: 'Application',
      servicePrincipalNames: ['aaaaaaaa-0000-4000-8000-000000000020'],
      passwordCredentials: [],
      keyCredentials: [],
    },
    {
      id: 'sp-vendor',
      appId: 'aaaaaaaa-0000-4000-8000-000000000021',
      displayName: 'vendor-crm',
      appOwnerOrganizationId: vendor,
      servicePrincipalType: 'Application',
      passwordCredentials: [],
      keyCredentials: [],
    },
  ];

  it('reads az ad sp list output, telling publishers apart by the tenant setting', async () => {
    const output = await read(spList, { tenantId: tenant });

    expect(output.nhis.map((nhi) => [nhi.name, nhi.kind])).toEqual([
      ['deployer', 'service_account'],
      ['vendor-crm', 'oauth_app'],
    ]);
    expect(output.nhis[0]?.credentials).toBeUndefined();
    expect(output.warnings).toEqual([]);
    expect(output.read).toEqual({ count: 3, unit: 'service principals and applications' });
  });

  it('warns that publishers are not told apart without the tenant id', async () => {
    const output = await read(spList);

    expect(output.warnings).toEqual([
      { item: 'tenant', message: expect.stringContaining('settings.tenantId') },
    ]);
  });

  it('reads az ad app list output with the applications’ credentials', async () => {
    const output = await read(
      credentialsSetup().applications.map((app) => ({ ...app, requiredResourceAccess: [] })),
    );

    expect(output.nhis.map((nhi) => [nhi.name, nhi.kind, nhi.credentials?.length])).toEqual([
      ['billing-sync', 'service_account', 3],
    ]);
  });

  it('reads a Graph answer { value: [...] }', async () => {
    const output = await read({ value: spList }, { tenantId: tenant });

    expect(output.nhis).toHaveLength(2);
  });

  it.each([
    { name: 'text that is not JSON', input: 'servicePrincipals:\n  - id: 1', error: /not JSON/ },
    {
      name: 'a JSON document of another kind',
      input: { kind: 'List', items: [] },
      error: /Not an Entra ID export/,
    },
    { name: 'an array of something else', input: [{ name: 'x' }], error: /service principals/ },
    {
      name: 'a bundle whose owners are a list',
      input: { servicePrincipals: [], owners: [] },
      error: /owners/,
    },
  ])('refuses $name', async ({ input, error }) => {
    const attempt = read(input);

    await expect(attempt).rejects.toThrow(UnreadableInputError);
    await expect(read(input)).rejects.toThrow(error);
  });

  it('warns about an entry without an appId and reads the rest', async () => {
    const output = await read({
      servicePrincipals: [{ id: 'broken', displayName: 'broken' }, ...spList.slice(1)],
      tenantId: tenant,
    });

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['deployer', 'vendor-crm']);
    expect(output.warnings).toEqual([
      { item: 'servicePrincipals[0] (broken)', message: 'has no id or appId' },
    ]);
  });
});
