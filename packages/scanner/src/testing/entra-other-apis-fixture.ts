/**
 * Service principals of Microsoft APIs other than Graph as a tenant lists them, with the application
 * permissions (app roles) they publish under Microsoft's ids: Exchange Online, SharePoint Online and
 * the retired Azure AD Graph.
 */
const microsoft = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

/** Application permission ids as the APIs publish them in their service principals' appRoles. */
export const exchangeRole = {
  fullAccessAsApp: 'dc890d15-9560-4a4c-9b7f-a736ec74ec40',
  manageAsApp: 'dc50a0fb-09a3-484d-be87-e023b12c6440',
  mailRead: '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
};
export const sharePointRole = {
  fullControl: '678536fe-1083-478a-9c59-b99265e6b0d3',
  readAll: 'd13f72ca-a275-4b96-b789-48ebcc4da984',
};
export const azureAdGraphRole = {
  applicationReadWrite: '1cda74f2-2616-4834-b122-5cb1b07f8a59',
  directoryRead: '5778995a-e1bf-45b8-affa-663a9f3f4d04',
};
export const ewsDelegated = '3b5f3d61-589b-4a3c-a359-5dd4b5ee5bd5';

const microsoftApi = (id: string, appId: string, displayName: string, roles: Record<string, string>) => ({
  id,
  appId,
  displayName,
  appOwnerOrganizationId: microsoft,
  servicePrincipalType: 'Application',
  signInAudience: 'AzureADMultipleOrgs',
  accountEnabled: true,
  passwordCredentials: [],
  keyCredentials: [],
  appRoles: Object.entries(roles).map(([value, roleId]) => ({
    id: roleId,
    value,
    allowedMemberTypes: ['Application'],
  })),
});

export const exchange = {
  ...microsoftApi('sp-exchange', '00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online', {
    full_access_as_app: exchangeRole.fullAccessAsApp,
    'Exchange.ManageAsApp': exchangeRole.manageAsApp,
    'Mail.Read': exchangeRole.mailRead,
  }),
  oauth2PermissionScopes: [{ id: ewsDelegated, value: 'EWS.AccessAsUser.All' }],
};
export const sharePoint = microsoftApi(
  'sp-sharepoint',
  '00000003-0000-0ff1-ce00-000000000000',
  'Office 365 SharePoint Online',
  { 'Sites.FullControl.All': sharePointRole.fullControl, 'Sites.Read.All': sharePointRole.readAll },
);
export const azureAdGraph = microsoftApi(
  'sp-aad-graph',
  '00000002-0000-0000-c000-000000000000',
  'Windows Azure Active Directory',
  {
    'Application.ReadWrite.All': azureAdGraphRole.applicationReadWrite,
    'Directory.Read.All': azureAdGraphRole.directoryRead,
  },
);
