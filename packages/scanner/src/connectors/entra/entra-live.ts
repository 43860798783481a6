import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import { type ConnectorOutput, type ScanWarning, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { readEntraData } from './entra-identities.ts';
import type {
  Application,
  AppRoleAssignment,
  DirectoryObject,
  EntraExport,
  RoleAssignment,
  ServicePrincipal,
  SignInActivity,
} from './entra-objects.ts';
import { GraphClient, GraphError, graphSettingsOf } from './graph-client.ts';
import { microsoftTenants } from './graph-permissions.ts';

const page = '$top=999';
/**
 * The service principal properties a scan reads. Their app roles and scopes are left out: Microsoft
 * Graph alone publishes hundreds, and only the APIs permissions are held on need them (read apart).
 */
const servicePrincipalSelect =
  '$select=id,appId,displayName,appOwnerOrganizationId,signInAudience,accountEnabled,servicePrincipalType,servicePrincipalNames,publisherName,verifiedPublisher,tags,passwordCredentials,keyCredentials';
/** Calls in flight at once for the per-object lists: Graph throttles per application and tenant. */
const parallel = 4;

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant's id when the setting is one (it may be a domain name, which Graph objects never carry). */
export function tenantIdOf(settings: Record<string, unknown>): string | null {
  const value = typeof settings.tenantId === 'string' ? settings.tenantId.trim() : '';
  return guid.test(value) ? value.toLowerCase() : null;
}

async function eachLimited<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads a tenant with an application's client credentials: service principals and applications,
 * then per service principal its application permissions and owners, the directory roles, and the
 * sign-in activity report (beta; a tenant without the licence or permission answers 403: a warning).
 */
export async function readEntraLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const settings = graphSettingsOf(context.settings, context.secrets);
  if (typeof settings === 'string') throw new UnreadableInputError(settings);
  const graph = new GraphClient(settings, context.signal);
  const warnings: ScanWarning[] = [];
  const servicePrincipals = await graph.list<ServicePrincipal>(
    `/v1.0/servicePrincipals?${page}&${servicePrincipalSelect}`,
  );
  const applications = await graph.list<Application>(`/v1.0/applications?${page}`);
  const data: EntraExport = {
    tenantId: tenantIdOf(context.settings),
    servicePrincipals,
    applications,
    appRoleAssignments: {},
    owners: {},
  };
  const assignments = data.appRoleAssignments as Record<string, AppRoleAssignment[]>;
  const owners = data.owners as Record<string, DirectoryObject[]>;
  const registered = new Set(applications.map((app) => app.appId));
  // Microsoft's own service principals are skipped unless they hold credentials: no calls for them.
  const read = servicePrincipals.filter(
    (sp) =>
      sp.id &&
      (registered.has(sp.appId) ||
        !microsoftTenants.has(sp.appOwnerOrganizationId ?? '') ||
        (sp.passwordCredentials?.length ?? 0) + (sp.keyCredentials?.length ?? 0) > 0),
  );
  await eachLimited(read, async (sp) => {
    const id = encodeURIComponent(sp.id as string);
    try {
      assignments[sp.id as string] = await graph.list(
        `/v1.0/servicePrincipals/${id}/appRoleAssignments?${page}`,
      );
      owners[sp.id as string] = await graph.list(`/v1.0/servicePrincipals/${id}/owners?${page}`);
    } catch (error) {
      warnings.push({
        item: `service principal ${sp.displayName ?? sp.appId}`,
        message: `permissions or owners not readable: ${reasonOf(error)}`,
      });
    }
  });
  await eachLimited(
    applications.filter((app) => app.id),
    async (app) => {
      try {
        owners[app.id as string] = await graph.list(
          `/v1.0/applications/${encodeURIComponent(app.id as string)}/owners?${page}`,
        );
      } catch (error) {
        warnings.push({
          item: `application ${app.displayName ?? app.appId}`,
          message: `owners not readable: ${reasonOf(error)}`,
        });
      }
    },
  );
  data.resources = await readResources(graph, data);
  try {
    data.roleAssignments = await graph.list<RoleAssignment>(
      `/v1.0/roleManagement/directory/roleAssignments?${page}`,
    );
  } catch (error) {
    if (!(error instanceof GraphError) || (error.status !== 403 && error.status !== 404)) throw error;
    warnings.push({ item: 'directory roles', message: `not readable: ${error.message}` });
  }
  try {
    data.signInActivities = await graph.list<SignInActivity>(
      '/beta/reports/servicePrincipalSignInActivities',
    );
  } catch (error) {
    if (!(error instanceof GraphError) || (error.status !== 403 && error.status !== 404)) throw error;
    data.signInActivities = null;
    warnings.push({
      item: 'sign-in activity',
      message: `not readable, so last use is unknown: ${error.message}`,
    });
  }
  const output = await readEntraData(data, context.fingerprint);
  output.warnings.unshift(...warnings);
  return output;
}

/** What names an API's permissions: its app roles (application) and scopes (delegated). */
const resourceSelect = '$select=id,appId,displayName,appRoles,oauth2PermissionScopes';

/**
 * The service principals of the APIs the applications were granted permissions on (each
 * `resourceId` of their app role assignments) or ask permissions of (each `resourceAppId` of their
 * `requiredResourceAccess`), each read once, to name those permissions. A listed service principal
 * that already carries its app roles is not read again; one the credentials may not read (or that
 * is not in the tenant) leaves its permissions named by id.
 */
async function readResources(graph: GraphClient, data: EntraExport): Promise<ServicePrincipal[]> {
  const listed = data.servicePrincipals ?? [];
  const known = (sp: ServicePrincipal | undefined) => sp?.appRoles !== undefined;
  const byId = new Map(listed.filter((sp) => sp.id).map((sp) => [sp.id as string, sp]));
  const byAppId = new Map(listed.filter((sp) => sp.appId).map((sp) => [sp.appId as string, sp]));
  const ids = new Set<string>();
  for (const list of Object.values(data.appRoleAssignments ?? {}) as AppRoleAssignment[][])
    for (const assignment of list ?? [])
      if (assignment?.resourceId && !known(byId.get(assignment.resourceId))) ids.add(assignment.resourceId);
  const appIds = new Set<string>();
  for (const app of data.applications ?? [])
    for (const access of app.requiredResourceAccess ?? []) {
      const listedSp = access.resourceAppId ? byAppId.get(access.resourceAppId) : undefined;
      if (!access.resourceAppId || known(listedSp)) continue;
      // A listed service principal without its roles is read by id, with the granted ones.
      if (listedSp?.id) ids.add(listedSp.id);
      else appIds.add(access.resourceAppId);
    }
  const resources = new Map<string, ServicePrincipal>();
  const read = async (path: string) => {
    try {
      const sp = await graph.get<ServicePrincipal>(`/v1.0/servicePrincipals${path}?${resourceSelect}`);
      if (sp?.id) resources.set(sp.id, sp);
    } catch (error) {
      // Not readable or not in the tenant: the permission keeps its id. Anything else fails the scan.
      if (!(error instanceof GraphError) || ![400, 403, 404].includes(error.status)) throw error;
    }
  };
  await eachLimited([...ids], (id) => read(`/${encodeURIComponent(id)}`));
  await eachLimited([...appIds], (appId) => read(`(appId='${encodeURIComponent(appId)}')`));
  return [...resources.values()];
}

/** A token and the first service principal: the scan's first call, so also its permission. */
export async function testEntraLive(
  settings: Record<string, string | number | boolean>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<ConnectionTestResult> {
  const graphSettings = graphSettingsOf(settings, secrets);
  if (typeof graphSettings === 'string') return { ok: false, message: graphSettings };
  const graph = new GraphClient(graphSettings, signal);
  await graph.get('/v1.0/servicePrincipals?$top=1');
  return {
    ok: true,
    message: `Entra ID accepted the client credentials and lets them read ${graphSettings.tenantId}’s service principals`,
  };
}
