import type { FakeGraphTenant } from './fake-graph-server.ts';

export const entraTenantId = '11111111-1111-4111-8111-111111111111';
export const entraClientId = 'aaaaaaaa-0000-4000-8000-00000000c11e';
export const entraClientSecret = 'q7Z8Q~Rk2vN5tLw9XbC3mD6fH1jP4sY0uA.eGz';
const vendorTenant = '22222222-2222-4222-8222-222222222222';
const microsoftTenant = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/**
 * A tenant with Microsoft Graph (first party), an own application holding Directory.ReadWrite.All
 * with an expired and a current client secret, owned by Ana, and a vendor's multi-tenant application
 * holding Mail.ReadWrite.
 */
export function entraTenant(overrides: Partial<FakeGraphTenant> = {}): FakeGraphTenant {
  return {
    tenantId: entraTenantId,
    clientId: entraClientId,
    clientSecret: entraClientSecret,
    servicePrincipals: [
      {
        id: 'sp-graph',
        appId: '00000003-0000-0000-c000-000000000000',
        displayName: 'Microsoft Graph',
        appOwnerOrganizationId: microsoftTenant,
        servicePrincipalType: 'Application',
        signInAudience: 'AzureADMultipleOrgs',
        accountEnabled: true,
        passwordCredentials: [],
        keyCredentials: [],
      },
      {
        id: 'sp-sync',
        appId: 'aaaaaaaa-0000-4000-8000-000000000001',
        displayName: 'directory-sync',
        appOwnerOrganizationId: entraTenantId,
        servicePrincipalType: 'Application',
        signInAudience: 'AzureADMyOrg',
        accountEnabled: true,
        passwordCredentials: [],
        keyCredentials: [],
      },
      {
        id: 'sp-vendor',
        appId: 'aaaaaaaa-0000-4000-8000-000000000002',
        displayName: 'Vendor CRM',
        appOwnerOrganizationId: vendorTenant,
        servicePrincipalType: 'Application',
        signInAudience: 'AzureADMultipleOrgs',
        accountEnabled: true,
        verifiedPublisher: { displayName: 'Vendor Ltd' },
        passwordCredentials: [],
        keyCredentials: [],
      },
    ],
    applications: [
      {
        id: 'app-sync',
        appId: 'aaaaaaaa-0000-4000-8000-000000000001',
        displayName: 'directory-sync',
        signInAudience: 'AzureADMyOrg',
        createdDateTime: '2023-01-10T08:00:00Z',
        publisherDomain: 'contoso.onmicrosoft.com',
        requiredResourceAccess: [],
        passwordCredentials: [
          {
            keyId: '0a0a0a0a-0000-4000-8000-000000000001',
            displayName: 'first',
            hint: 'k1P',
            startDateTime: '2023-01-10T08:00:00Z',
            endDateTime: '2024-01-10T08:00:00Z',
          },
          {
            keyId: '0a0a0a0a-0000-4000-8000-000000000002',
            displayName: 'second',
            hint: 'm4T',
            startDateTime: '2024-01-05T08:00:00Z',
            endDateTime: '2099-01-05T08:00:00Z',
          },
        ],
        keyCredentials: [],
      },
    ],
    appRoleAssignments: {
      'sp-sync': [
        {
          id: 'assignment-1',
          appRoleId: '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
          principalId: 'sp-sync',
          resourceId: 'sp-graph',
          resourceDisplayName: 'Microsoft Graph',
        },
      ],
      'sp-vendor': [
        {
          id: 'assignment-2',
          appRoleId: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
          principalId: 'sp-vendor',
          resourceId: 'sp-graph',
          resourceDisplayName: 'Microsoft Graph',
        },
      ],
    },
    owners: {
      'app-sync': [
        {
          '@odata.type': '#microsoft.graph.user',
          id: 'user-ana',
          displayName: 'Ana',
          userPrincipalName: 'ana@example.com',
          mail: 'ana@example.com',
        },
      ],
    },
    roleAssignments: [],
    ...overrides,
  };
}
