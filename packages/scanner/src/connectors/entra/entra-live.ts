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
  const servicePrincipals = await graph.list<ServicePrincipal>(`/v1.0/servicePrincipals?${page}`);
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
