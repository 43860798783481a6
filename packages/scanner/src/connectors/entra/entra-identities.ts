import type { JsonDocument, SourcedCredential } from '@nhi/nhi';
import { type ConnectorOutput, type DiscoveredNhi, emptyOutput, type IdentityFact } from '../connector.ts';
import type {
  Application,
  AppRole,
  AppRoleAssignment,
  DirectoryObject,
  EntraExport,
  KeyCredential,
  PasswordCredential,
  RequiredResourceAccess,
  RoleAssignment,
  ServicePrincipal,
  SignInActivity,
} from './entra-objects.ts';
import {
  escalationDirectoryRoles,
  escalationPermissions,
  graphAppRoles,
  isWritePermission,
  microsoftGraphAppId,
  microsoftTenants,
  otherApiPermissions,
} from './graph-permissions.ts';

/** The sign-in audiences of applications other tenants can consent to. */
const multiTenantAudiences = new Set([
  'AzureADMultipleOrgs',
  'AzureADandPersonalMicrosoftAccount',
  'PersonalMicrosoftAccount',
]);
/** The app role id Graph gives an assignment of an application's default access: no permission. */
const defaultAccess = '00000000-0000-0000-0000-000000000000';

interface Grant {
  /** Graph's permissions by their value; another API's as `<API name>: <value>`; unnamed, the id. */
  permission: string;
  /** The permission's value when the API's app roles named it. */
  value: string | null;
  appRoleId: string;
  resource: string;
  resourceAppId: string | null;
}

const date = (value: string | null | undefined) => {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};
const latest = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((last, next) => (next && (!last || next > last) ? next : last), null);

/** Identities are keyed by application (client) id: the SP list, the app list and a live scan share it. */
export const entraExternalId = (appId: string) => `azure:app:${appId}`;

/**
 * Service principals joined with their applications by appId, with their owners, credentials,
 * application permissions, directory roles and last sign-in. Microsoft's own service principals that
 * hold no credential here are Microsoft's services, not identities of the tenant, and are skipped.
 */
export async function readEntraData(
  data: EntraExport,
  fingerprint: (secret: string) => Promise<string>,
  now: Date = new Date(),
): Promise<ConnectorOutput> {
  const output = emptyOutput();
  const servicePrincipals = data.servicePrincipals ?? [];
  const applications = data.applications ?? [];
  const validSps: ServicePrincipal[] = [];
  servicePrincipals.forEach((sp, index) => {
    if (sp && typeof sp === 'object' && typeof sp.id === 'string' && typeof sp.appId === 'string')
      validSps.push(sp);
    else
      output.warnings.push({
        item: `servicePrincipals[${index}] (${(sp as ServicePrincipal | null)?.displayName ?? 'unnamed'})`,
        message: 'has no id or appId',
      });
  });
  const appsByAppId = new Map<string, Application>();
  applications.forEach((app, index) => {
    if (app && typeof app === 'object' && typeof app.appId === 'string') appsByAppId.set(app.appId, app);
    else
      output.warnings.push({
        item: `applications[${index}] (${(app as Application | null)?.displayName ?? 'unnamed'})`,
        message: 'has no appId',
      });
  });
  const spsById = new Map(validSps.map((sp) => [sp.id as string, sp]));
  // An API's service principal as read to name its permissions fills in the listed one's roles.
  const apis = new Map(spsById);
  for (const resource of data.resources ?? [])
    if (resource?.id && typeof resource === 'object')
      apis.set(resource.id, { ...apis.get(resource.id), ...resource });
  const apisByAppId = new Map(
    [...apis.values()].filter((sp) => typeof sp.appId === 'string').map((sp) => [sp.appId as string, sp]),
  );
  const home = homeTenantOf(data, validSps, appsByAppId);
  const context: JoinContext = {
    home,
    applicationsRead: data.applications !== undefined,
    apis,
    apisByAppId,
    assignments: assignmentsByPrincipal(data.appRoleAssignments),
    roles: rolesByPrincipal(data.roleAssignments ?? []),
    owners: data.owners ?? {},
    activity: data.signInActivities
      ? new Map(data.signInActivities.filter((a) => a?.appId).map((a) => [a.appId as string, a]))
      : null,
    fingerprint,
    now,
  };
  let undetermined = 0;
  const seen = new Set<string>();
  for (const sp of validSps) {
    const app = appsByAppId.get(sp.appId as string);
    const publisher = publisherOf(sp, app, context);
    if (publisher === 'microsoft' && !hasCredentials(sp)) continue;
    if (publisher === 'unknown') undetermined += 1;
    seen.add(sp.appId as string);
    try {
      output.nhis.push(await identityOf(sp, app, publisher, context));
    } catch (error) {
      output.warnings.push({
        item: `service principal ${sp.displayName ?? sp.appId}`,
        message: (error as Error).message,
      });
    }
  }
  for (const app of appsByAppId.values()) {
    if (seen.has(app.appId as string)) continue;
    output.nhis.push(await identityOf(undefined, app, 'tenant', context));
  }
  if (undetermined > 0)
    output.warnings.push({
      item: 'tenant',
      message: `${undetermined} service principals of unknown publisher: without the tenant id (settings.tenantId) or the applications, third-party applications are not told apart`,
    });
  output.read = {
    count: servicePrincipals.length + applications.length,
    unit: 'service principals and applications',
  };
  return output;
}

interface JoinContext {
  home: string | null;
  applicationsRead: boolean;
  /** Service principals by object id and by application id, to name the permissions of their APIs. */
  apis: Map<string, ServicePrincipal>;
  apisByAppId: Map<string, ServicePrincipal>;
  assignments: Map<string, AppRoleAssignment[]>;
  roles: Map<string, RoleAssignment[]>;
  owners: Record<string, DirectoryObject[]>;
  activity: Map<string, SignInActivity> | null;
  fingerprint: (secret: string) => Promise<string>;
  now: Date;
}

type Publisher = 'tenant' | 'microsoft' | 'third_party' | 'unknown';

/** The tenant scanned: given, or the publisher of the applications registered in it. */
function homeTenantOf(data: EntraExport, sps: ServicePrincipal[], apps: Map<string, Application>) {
  if (data.tenantId) return data.tenantId;
  const registered = sps.find((sp) => apps.has(sp.appId as string) && sp.appOwnerOrganizationId);
  return registered?.appOwnerOrganizationId ?? null;
}

function publisherOf(sp: ServicePrincipal, app: Application | undefined, context: JoinContext): Publisher {
  const owner = sp.appOwnerOrganizationId ?? null;
  if (app) return 'tenant';
  if (owner && microsoftTenants.has(owner)) return 'microsoft';
  // Managed identities and legacy principals have no publishing tenant: they belong to this one.
  if (!owner) return sp.servicePrincipalType === 'Application' && !context.home ? 'unknown' : 'tenant';
  if (context.home) return owner === context.home ? 'tenant' : 'third_party';
  return context.applicationsRead ? 'third_party' : 'unknown';
}

const hasCredentials = (sp: ServicePrincipal) =>
  (sp.passwordCredentials?.length ?? 0) + (sp.keyCredentials?.length ?? 0) > 0;

function assignmentsByPrincipal(input: EntraExport['appRoleAssignments']) {
  const map = new Map<string, AppRoleAssignment[]>();
  const add = (principal: string | undefined, assignment: AppRoleAssignment) => {
    if (!principal) return;
    map.set(principal, [...(map.get(principal) ?? []), assignment]);
  };
  if (Array.isArray(input)) for (const assignment of input) add(assignment?.principalId, assignment);
  else
    for (const [principal, list] of Object.entries(input ?? {}))
      for (const assignment of Array.isArray(list) ? list : []) add(principal, assignment);
  return map;
}

function rolesByPrincipal(list: RoleAssignment[]) {
  const map = new Map<string, RoleAssignment[]>();
  for (const role of list)
    if (role?.principalId) map.set(role.principalId, [...(map.get(role.principalId) ?? []), role]);
  return map;
}

/** A permission's value and display name: Graph's as they are, another API's after the API's name. */
function permissionName(value: string | null | undefined, api: string, resourceAppId: string | null) {
  if (!value) return null;
  return resourceAppId === microsoftGraphAppId ? value : `${api}: ${value}`;
}

/** The permission an assignment grants: by the resource's own app roles, else Graph's published ids. */
function grantOf(assignment: AppRoleAssignment, context: JoinContext): Grant | null {
  const appRoleId = assignment.appRoleId;
  if (!appRoleId || appRoleId === defaultAccess) return null;
  const resource = assignment.resourceId ? context.apis.get(assignment.resourceId) : undefined;
  const resourceAppId =
    resource?.appId ?? (assignment.resourceDisplayName === 'Microsoft Graph' ? microsoftGraphAppId : null);
  const role = resource?.appRoles?.find((candidate: AppRole) => candidate.id === appRoleId);
  const value =
    role?.value ?? (resourceAppId === microsoftGraphAppId ? graphAppRoles[appRoleId] : undefined) ?? null;
  const api = resource?.displayName ?? assignment.resourceDisplayName ?? assignment.resourceId ?? 'unknown';
  return {
    permission: permissionName(value, api, resourceAppId) ?? appRoleId,
    value,
    appRoleId,
    resource: assignment.resourceDisplayName ?? resource?.displayName ?? assignment.resourceId ?? 'unknown',
    resourceAppId,
  };
}

/**
 * The permissions an application asks for (`requiredResourceAccess`), named by the API's app roles
 * (application permissions) and `oauth2PermissionScopes` (delegated ones). Asking grants nothing:
 * they are recorded, never judged.
 */
function requestedOf(app: Application | undefined, context: JoinContext) {
  const requested: { permission: string; type: string; resource: string; resourceAppId: string }[] = [];
  for (const access of (app?.requiredResourceAccess ?? []) as RequiredResourceAccess[]) {
    const resourceAppId = access?.resourceAppId;
    if (!resourceAppId) continue;
    const api = context.apisByAppId.get(resourceAppId);
    const apiName =
      api?.displayName ?? (resourceAppId === microsoftGraphAppId ? 'Microsoft Graph' : resourceAppId);
    for (const item of Array.isArray(access.resourceAccess) ? access.resourceAccess : []) {
      if (!item?.id) continue;
      const application = item.type === 'Role';
      const value = application
        ? (api?.appRoles?.find((role) => role.id === item.id)?.value ??
          (resourceAppId === microsoftGraphAppId ? graphAppRoles[item.id] : undefined))
        : api?.oauth2PermissionScopes?.find((scope) => scope.id === item.id)?.value;
      requested.push({
        permission: permissionName(value, apiName, resourceAppId) ?? item.id,
        type: application ? 'application' : 'delegated',
        resource: apiName,
        resourceAppId,
      });
    }
  }
  return requested;
}

async function identityOf(
  sp: ServicePrincipal | undefined,
  app: Application | undefined,
  publisher: Publisher,
  context: JoinContext,
): Promise<DiscoveredNhi> {
  const appId = (sp?.appId ?? app?.appId) as string;
  const externalId = entraExternalId(appId);
  const audience = app?.signInAudience ?? sp?.signInAudience ?? null;
  const grants = (sp ? (context.assignments.get(sp.id as string) ?? []) : [])
    .map((assignment) => grantOf(assignment, context))
    .filter((grant): grant is Grant => grant !== null);
  const roles = (sp ? (context.roles.get(sp.id as string) ?? []) : []).map((role) => ({
    roleDefinitionId: role.roleDefinitionId ?? null,
    directoryRole:
      escalationDirectoryRoles[role.roleDefinitionId ?? ''] ?? role.roleDefinitionId ?? 'unknown',
    scope: role.directoryScopeId ?? '/',
  }));
  const facts = factsOf(externalId, grants, roles, publisher, audience, sp);
  const owners = ownersOf([
    ...(sp?.id ? (context.owners[sp.id] ?? []) : []),
    ...(app?.id ? (context.owners[app.id] ?? []) : []),
  ]);
  const activity = context.activity?.get(appId);
  const lastUsedAt = activity ? lastUseOf(activity) : null;
  const credentials = await credentialsOf(sp, app, context);
  if (context.activity && !lastUsedAt && publisher !== 'microsoft' && publisher !== 'third_party')
    for (const credential of credentials)
      if (credential.status === 'active' && !(credential.expiresAt && credential.expiresAt <= context.now))
        facts.push({
          kind: 'credential.never_used',
          subject: `${externalId}|${credential.key}`,
          credentialKey: credential.key,
          evidence: { application: sp?.displayName ?? app?.displayName ?? appId, signInActivity: 'none' },
        });
  const ownerMail = [
    ...new Set(
      owners
        .map((owner) => owner.mail ?? owner.userPrincipalName)
        .filter((mail): mail is string => typeof mail === 'string' && mail.includes('@')),
    ),
  ];
  return {
    provider: 'azure',
    externalId,
    kind: publisher === 'third_party' || publisher === 'microsoft' ? 'oauth_app' : 'service_account',
    name: sp?.displayName ?? app?.displayName ?? appId,
    status: sp?.accountEnabled === false ? 'disabled' : 'active',
    providerCreatedAt: date(app?.createdDateTime),
    lastUsedAt,
    permissions: [
      ...grants.map((grant) => ({ ...grant, type: 'application' })),
      ...roles.map((role) => ({ ...role, type: 'directory_role' })),
    ] as JsonDocument,
    metadata: {
      entra: {
        appId,
        servicePrincipalId: sp?.id ?? null,
        applicationId: app?.id ?? null,
        servicePrincipalType: sp?.servicePrincipalType ?? null,
        publisherTenantId: sp?.appOwnerOrganizationId ?? null,
        publisher: sp?.verifiedPublisher?.displayName ?? sp?.publisherName ?? app?.publisherDomain ?? null,
        tenantId: context.home,
        signInAudience: audience,
        multiTenant: audience ? multiTenantAudiences.has(audience) : false,
        requestedPermissions: requestedOf(app, context),
        owners: owners as JsonDocument,
        ownerEmails: ownerMail,
      },
      // The tags the ownership rules read, as other sources fill them: each owner's email under an
      // `owner` key names that member of the realm.
      ...(ownerMail.length > 0
        ? {
            authorization: {
              tags: Object.fromEntries(
                ownerMail.map((mail, index) => [index === 0 ? 'owner' : `${index + 1}/owner`, mail]),
              ),
            },
          }
        : {}),
    },
    // Without the application objects an own application's client secrets are unknown, not absent.
    credentials: context.applicationsRead || (sp && hasCredentials(sp)) ? credentials : undefined,
    facts,
  };
}

function factsOf(
  externalId: string,
  grants: Grant[],
  roles: { directoryRole: string; roleDefinitionId: string | null; scope: string }[],
  publisher: Publisher,
  audience: string | null,
  sp: ServicePrincipal | undefined,
): IdentityFact[] {
  const escalating = grants.filter(isEscalation);
  const escalatingRoles = roles.filter((role) => escalationDirectoryRoles[role.roleDefinitionId ?? '']);
  const writes = grants.filter((grant) => isTenantWideWrite(grant) && !isEscalation(grant));
  const names = (list: Grant[]) => list.map((grant) => grant.permission);
  const resourceOf = (list: Grant[]) =>
    [...new Set(list.map((grant) => grant.resource))].join(', ') || 'Microsoft Graph';
  const facts: IdentityFact[] = [];
  if (escalating.length > 0 || escalatingRoles.length > 0)
    facts.push({
      kind: 'entra.privilege_escalation_permission',
      subject: externalId,
      evidence: {
        resource: resourceOf(escalating),
        permissions: names(escalating),
        directoryRoles: escalatingRoles.map((role) => role.directoryRole),
      },
    });
  if (writes.length > 0)
    facts.push({
      kind: 'entra.tenant_wide_write',
      subject: externalId,
      evidence: { resource: resourceOf(writes), permissions: names(writes) },
    });
  const anyWrite = [...escalating, ...writes];
  if (publisher === 'third_party' && audience && multiTenantAudiences.has(audience) && anyWrite.length > 0)
    facts.push({
      kind: 'entra.third_party_write',
      subject: externalId,
      evidence: {
        resource: resourceOf(anyWrite),
        permissions: names(anyWrite),
        publisherTenantId: sp?.appOwnerOrganizationId ?? null,
        publisher: sp?.verifiedPublisher?.displayName ?? sp?.publisherName ?? null,
        signInAudience: audience,
      },
    });
  return facts;
}

/** Graph's escalation permissions, and those listed for the other Microsoft APIs. */
function isEscalation(grant: Grant): boolean {
  if (!grant.value || !grant.resourceAppId) return false;
  if (grant.resourceAppId === microsoftGraphAppId) return escalationPermissions.has(grant.value);
  return otherApiPermissions[grant.resourceAppId]?.escalation.includes(grant.value) ?? false;
}

/** Graph's writing permissions, and the high-impact ones listed for the other Microsoft APIs. */
function isTenantWideWrite(grant: Grant): boolean {
  if (!grant.value || !grant.resourceAppId) return false;
  if (grant.resourceAppId === microsoftGraphAppId) return isWritePermission(grant.value);
  return otherApiPermissions[grant.resourceAppId]?.write.includes(grant.value) ?? false;
}

function ownersOf(list: DirectoryObject[]) {
  const byId = new Map<string, DirectoryObject>();
  for (const owner of list) if (owner?.id && !byId.has(owner.id)) byId.set(owner.id, owner);
  return [...byId.values()].map((owner) => ({
    id: owner.id as string,
    type: (owner['@odata.type'] ?? '').replace('#microsoft.graph.', '') || null,
    displayName: owner.displayName ?? null,
    userPrincipalName: owner.userPrincipalName ?? null,
    mail: owner.mail ?? null,
  }));
}

/** The last time the application signed in as a client (its own credentials or for a user). */
function lastUseOf(activity: SignInActivity): Date | null {
  const client = latest([
    date(activity.applicationAuthenticationClientSignInActivity?.lastSignInDateTime),
    date(activity.delegatedClientSignInActivity?.lastSignInDateTime),
  ]);
  return client ?? date(activity.lastSignInActivity?.lastSignInDateTime);
}

async function credentialsOf(
  sp: ServicePrincipal | undefined,
  app: Application | undefined,
  context: JoinContext,
): Promise<SourcedCredential[]> {
  const secrets: PasswordCredential[] = [
    ...(app?.passwordCredentials ?? []),
    ...(sp?.passwordCredentials ?? []),
  ];
  const keys: KeyCredential[] = [...(app?.keyCredentials ?? []), ...(sp?.keyCredentials ?? [])];
  const credentials: SourcedCredential[] = [];
  const keysSeen = new Set<string>();
  for (const secret of secrets) {
    if (!secret?.keyId || keysSeen.has(secret.keyId)) continue;
    keysSeen.add(secret.keyId);
    credentials.push({
      key: secret.hint ? `${secret.hint}… ${secret.keyId}` : `secret ${secret.keyId}`,
      kind: 'client_secret',
      fingerprint: secret.secretText ? await context.fingerprint(secret.secretText) : null,
      providerCreatedAt: date(secret.startDateTime),
      expiresAt: date(secret.endDateTime),
      status: 'active',
    });
  }
  for (const key of keys) {
    if (!key?.keyId || keysSeen.has(key.keyId)) continue;
    keysSeen.add(key.keyId);
    credentials.push({
      key: `certificate ${key.keyId}`,
      kind: 'certificate',
      providerCreatedAt: date(key.startDateTime),
      expiresAt: date(key.endDateTime),
      status: 'active',
    });
  }
  return credentials;
}
