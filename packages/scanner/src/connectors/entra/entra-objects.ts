import { UnreadableInputError } from '../connector.ts';

/** A client secret as Graph lists it: never the secret, only its first characters (`hint`). */
export interface PasswordCredential {
  keyId?: string;
  displayName?: string | null;
  hint?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  /** Only in the answer that created it; read to fingerprint it, never kept. */
  secretText?: string | null;
}

export interface KeyCredential {
  keyId?: string;
  displayName?: string | null;
  type?: string | null;
  usage?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

export interface AppRole {
  id?: string;
  value?: string | null;
  displayName?: string | null;
  allowedMemberTypes?: string[];
}

/** A delegated permission an API publishes (`oauth2PermissionScopes` of its service principal). */
export interface PermissionScope {
  id?: string;
  value?: string | null;
}

/** The permissions an application asks for on one API (`requiredResourceAccess`): Role or Scope ids. */
export interface RequiredResourceAccess {
  resourceAppId?: string;
  resourceAccess?: { id?: string; type?: string }[];
}

export interface ServicePrincipal {
  id?: string;
  appId?: string;
  displayName?: string | null;
  appOwnerOrganizationId?: string | null;
  signInAudience?: string | null;
  accountEnabled?: boolean | null;
  servicePrincipalType?: string | null;
  servicePrincipalNames?: string[];
  publisherName?: string | null;
  verifiedPublisher?: { displayName?: string | null } | null;
  tags?: string[];
  appRoles?: AppRole[];
  oauth2PermissionScopes?: PermissionScope[];
  passwordCredentials?: PasswordCredential[];
  keyCredentials?: KeyCredential[];
}

export interface Application {
  id?: string;
  appId?: string;
  displayName?: string | null;
  signInAudience?: string | null;
  createdDateTime?: string | null;
  publisherDomain?: string | null;
  requiredResourceAccess?: RequiredResourceAccess[];
  passwordCredentials?: PasswordCredential[];
  keyCredentials?: KeyCredential[];
}

/** An application permission granted to a service principal (GET /servicePrincipals/{id}/appRoleAssignments). */
export interface AppRoleAssignment {
  id?: string;
  appRoleId?: string;
  principalId?: string;
  resourceId?: string;
  resourceDisplayName?: string | null;
  createdDateTime?: string | null;
}

/** An owner (GET /servicePrincipals/{id}/owners, /applications/{id}/owners): a user or a service principal. */
export interface DirectoryObject {
  '@odata.type'?: string;
  id?: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  mail?: string | null;
  appId?: string | null;
}

/** A directory role held (GET /roleManagement/directory/roleAssignments). */
export interface RoleAssignment {
  id?: string;
  principalId?: string;
  roleDefinitionId?: string;
  directoryScopeId?: string | null;
}

interface SignIn {
  lastSignInDateTime?: string | null;
}

/** GET beta /reports/servicePrincipalSignInActivities: one entry per application that signed in. */
export interface SignInActivity {
  appId?: string;
  lastSignInActivity?: SignIn | null;
  applicationAuthenticationClientSignInActivity?: SignIn | null;
  delegatedClientSignInActivity?: SignIn | null;
}

/** What a scan of one tenant reads: the bundle of the file import, or what the live scan gathered. */
export interface EntraExport {
  tenantId?: string | null;
  servicePrincipals?: ServicePrincipal[];
  applications?: Application[];
  /**
   * The service principals of the APIs permissions are granted on or asked of, read only to name
   * those permissions (a live scan reads each once): never identities themselves.
   */
  resources?: ServicePrincipal[];
  /** Service principal object id → its app role assignments (or a flat list, by `principalId`). */
  appRoleAssignments?: Record<string, AppRoleAssignment[]> | AppRoleAssignment[];
  /** Object id (service principal or application) → its owners. */
  owners?: Record<string, DirectoryObject[]>;
  roleAssignments?: RoleAssignment[];
  /** Absent or null: not read, so nothing is known about use. */
  signInActivities?: SignInActivity[] | null;
}

const listOf = <T>(value: unknown, what: string): T[] | undefined => {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value as T[];
  const wrapped = (value as { value?: unknown }).value;
  if (Array.isArray(wrapped)) return wrapped as T[];
  throw new UnreadableInputError(`The Entra ID export's ${what} is not a list`);
};

const isServicePrincipal = (item: Record<string, unknown>) =>
  'servicePrincipalType' in item || 'appOwnerOrganizationId' in item || 'servicePrincipalNames' in item;
const isApplication = (item: Record<string, unknown>) =>
  'requiredResourceAccess' in item || 'identifierUris' in item || 'publisherDomain' in item;

/**
 * The input in one shape: `az ad sp list` or `az ad app list` output (an array, told apart by its
 * fields), a Graph answer `{ value: [...] }` of either, or the bundle.
 */
export function entraExportOf(input: unknown): EntraExport {
  if (Array.isArray(input)) {
    const objects = input.filter((item) => item && typeof item === 'object') as Record<string, unknown>[];
    if (input.length === 0) return { servicePrincipals: [] };
    if (objects.some(isServicePrincipal)) return { servicePrincipals: input as ServicePrincipal[] };
    if (objects.some(isApplication)) return { applications: input as Application[] };
    throw new UnreadableInputError(
      'An Entra ID export array must hold service principals (az ad sp list) or applications (az ad app list)',
    );
  }
  if (input && typeof input === 'object') {
    const object = input as Record<string, unknown>;
    if (Array.isArray(object.value)) return entraExportOf(object.value);
    if ('servicePrincipals' in object || 'applications' in object) {
      const owners = object.owners;
      if (owners !== undefined && (typeof owners !== 'object' || owners === null || Array.isArray(owners)))
        throw new UnreadableInputError('The Entra ID export’s owners must map object ids to their owners');
      return {
        tenantId: typeof object.tenantId === 'string' ? object.tenantId : null,
        servicePrincipals: listOf(object.servicePrincipals, 'servicePrincipals'),
        applications: listOf(object.applications, 'applications'),
        appRoleAssignments: Array.isArray(object.appRoleAssignments)
          ? (object.appRoleAssignments as AppRoleAssignment[])
          : (object.appRoleAssignments as Record<string, AppRoleAssignment[]> | undefined),
        owners: owners as Record<string, DirectoryObject[]> | undefined,
        roleAssignments: listOf(object.roleAssignments, 'roleAssignments'),
        signInActivities: listOf(object.signInActivities, 'signInActivities') ?? null,
      };
    }
  }
  throw new UnreadableInputError(
    'Not an Entra ID export: expected az ad sp list / az ad app list output or { servicePrincipals, applications, ... }',
  );
}
