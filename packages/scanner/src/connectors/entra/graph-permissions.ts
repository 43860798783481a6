/** The application id of Microsoft Graph: the same in every tenant. */
export const microsoftGraphAppId = '00000003-0000-0000-c000-000000000000';

/**
 * Tenants that publish Microsoft's own applications (Office 365, Azure portal, Graph itself): their
 * service principals are in every tenant and are no third party.
 */
export const microsoftTenants = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);

/**
 * Well-known Microsoft Graph application permissions (app roles), by id, from Microsoft's Graph
 * permissions reference: an export without the Graph service principal's `appRoles` still names them.
 */
export const graphAppRoles: Readonly<Record<string, string>> = {
  '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8': 'RoleManagement.ReadWrite.Directory',
  '483bed4a-2ad3-4361-a73b-c83ccdbdc53c': 'RoleManagement.Read.Directory',
  '06b708a9-e830-4db3-a914-8e69da51d44f': 'AppRoleAssignment.ReadWrite.All',
  '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9': 'Application.ReadWrite.All',
  '18a4783c-866b-4cc7-a460-3d5e5662c884': 'Application.ReadWrite.OwnedBy',
  '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30': 'Application.Read.All',
  '19dbc75e-c2e2-444c-a770-ec69d8559fc7': 'Directory.ReadWrite.All',
  '7ab1d382-f21e-4acd-a863-ba3e13f7da61': 'Directory.Read.All',
  '741f803b-c850-494e-b5df-cde7c675a1ca': 'User.ReadWrite.All',
  'df021288-bdef-4463-88db-98f22de89214': 'User.Read.All',
  '62a82d76-70ea-41e2-9197-370581804d09': 'Group.ReadWrite.All',
  '5b567255-7703-4780-807c-7be8301ae99b': 'Group.Read.All',
  'dbaae8cf-10b5-4b86-a4a1-f871c94c6695': 'GroupMember.ReadWrite.All',
  'e2a3a72e-5f79-4c64-b1b1-878b674786c9': 'Mail.ReadWrite',
  '810c84a8-4a9e-49e6-bf7d-12d183f40d01': 'Mail.Read',
  'b633e1c5-b582-4048-a93e-9f11b44c7e96': 'Mail.Send',
  '6931bccd-447a-43d1-b442-00a195474933': 'MailboxSettings.ReadWrite',
  '75359482-378d-4052-8f01-80520e7db3cd': 'Files.ReadWrite.All',
  '01d4889c-1287-42c6-ac1f-5d1e02578ef6': 'Files.Read.All',
  '9492366f-7969-46a4-8d15-ed1a20078fff': 'Sites.ReadWrite.All',
  '332a536c-c7ef-4017-ab91-336970924f0d': 'Sites.Read.All',
  '0c0bf378-bf22-4481-8f81-9e89a9b4960a': 'Sites.Manage.All',
  'a82116e5-55eb-4c41-a434-62fe8a61c773': 'Sites.FullControl.All',
  'ef54d2bf-783f-4e0f-bca1-3210c0444d99': 'Calendars.ReadWrite',
  '1138cb37-bd11-4084-a2b7-9f71582aeddb': 'Device.ReadWrite.All',
  '7e05723c-0bb0-42da-be95-ae9f08a6e53c': 'Domain.ReadWrite.All',
  '292d869f-3427-49a8-9dab-8c70152b74e9': 'Organization.ReadWrite.All',
  '01c0a623-fc9b-48e9-b794-0756f8e8f067': 'Policy.ReadWrite.ConditionalAccess',
  '29c18626-4985-4dcd-85c0-193eef327366': 'Policy.ReadWrite.AuthenticationMethod',
  '50483e42-d915-4231-9639-7fdb7fd190e5': 'UserAuthenticationMethod.ReadWrite.All',
  '89c8469c-83ad-45f7-8ff2-6e3d4285709e': 'ServicePrincipalEndpoint.ReadWrite.All',
  'b0afded3-3588-46d8-8b3d-9842eff778da': 'AuditLog.Read.All',
  '230c1aed-a721-4c5d-9cb4-a90514e508ef': 'Reports.Read.All',
};

/** Graph application permissions with which an application can grant itself or others more. */
export const escalationPermissions = new Set([
  'RoleManagement.ReadWrite.Directory',
  'AppRoleAssignment.ReadWrite.All',
  'Application.ReadWrite.All',
]);

/** Built-in directory roles that manage roles or every application's credentials, by template id. */
export const escalationDirectoryRoles: Readonly<Record<string, string>> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3': 'Application Administrator',
  '158c047a-c907-4556-b7ef-446551a6b5f7': 'Cloud Application Administrator',
};

/**
 * Whether an application permission writes: ReadWrite, FullControl and Manage permissions and
 * Mail.Send (sends as any user). `OwnedBy` and `Selected` ones reach only what was given to the app.
 */
export function isWritePermission(name: string): boolean {
  if (/\.(OwnedBy|Selected)$/.test(name)) return false;
  return /\.(ReadWrite|FullControl|Manage)(\.|$)/.test(name) || name === 'Mail.Send';
}

/** How an application permission of an API other than Microsoft Graph is judged. */
export interface OtherApiPermissions {
  /** The API's name as Microsoft publishes it (its service principal's displayName). */
  api: string;
  /** Permissions with which the application can grant itself or others more. */
  escalation: readonly string[];
  /** Permissions that write across the tenant. */
  write: readonly string[];
}

/**
 * High-impact application permissions (app roles) of Microsoft APIs other than Graph, by the API's
 * application id (the same in every tenant) and the permission's value. Only these are judged: a
 * permission of any other API, even one named like these, raises nothing, and reads never do.
 * - Office 365 Exchange Online: `full_access_as_app` reads and writes every mailbox through EWS
 *   ("Authenticate an EWS application by using OAuth", Microsoft Learn); `Exchange.ManageAsApp` runs
 *   Exchange Online PowerShell as the application with its directory role ("App-only authentication
 *   for unattended scripts in Exchange Online PowerShell"); `Mail.ReadWrite` and `Mail.Send` are the
 *   Exchange REST app roles over every mailbox.
 * - Office 365 SharePoint Online: `Sites.FullControl.All`, `Sites.Manage.All`, `Sites.ReadWrite.All`
 *   over every site collection ("Granting access via Microsoft Entra ID App-Only", SharePoint docs).
 * - Windows Azure Active Directory (Azure AD Graph, retired, whose grants may remain):
 *   `Application.ReadWrite.All` adds credentials to any application, `Directory.ReadWrite.All` writes
 *   the directory (the Graph permissions of the same names).
 * Azure Service Management (797f4846-ba00-4fd7-ba43-dac1f8f63013) publishes only the delegated
 * `user_impersonation` and no application permission: an application's reach into Azure is its Azure
 * RBAC role assignments, which this source does not read.
 */
export const otherApiPermissions: Readonly<Record<string, OtherApiPermissions>> = {
  '00000002-0000-0ff1-ce00-000000000000': {
    api: 'Office 365 Exchange Online',
    escalation: [],
    write: ['full_access_as_app', 'Exchange.ManageAsApp', 'Mail.ReadWrite', 'Mail.Send'],
  },
  '00000003-0000-0ff1-ce00-000000000000': {
    api: 'Office 365 SharePoint Online',
    escalation: [],
    write: ['Sites.FullControl.All', 'Sites.Manage.All', 'Sites.ReadWrite.All'],
  },
  '00000002-0000-0000-c000-000000000000': {
    api: 'Windows Azure Active Directory',
    escalation: ['Application.ReadWrite.All'],
    write: ['Directory.ReadWrite.All'],
  },
};
