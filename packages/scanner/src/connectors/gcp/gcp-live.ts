import type { ConnectorOutput, ScanWarning } from '../connector.ts';
import { UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { GcpApiError, type GcpCaller, gcpCaller, keyFileOf } from './gcp-client.ts';
import type {
  GcpExport,
  GcpKeyActivity,
  GcpPolicy,
  GcpProject,
  GcpServiceAccount,
  GcpServiceAccountKey,
} from './gcp-model.ts';
import { readGcpData } from './gcp-read.ts';

/** Requests in flight at once when listing keys: enough to hide latency, within IAM's read quota. */
const keyListingConcurrency = 8;
/** Policy version 3 returns the conditions of conditional bindings. */
const policyRequest = { options: { requestedPolicyVersion: 3 } };

const listOf = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : [];

export interface GcpScope {
  projects: string[];
  folders: string[];
  organization: string | null;
  apiEndpoint: string | undefined;
}

export function scopeOf(settings: Record<string, unknown>): GcpScope {
  const organization =
    typeof settings.organization === 'string' && settings.organization.trim()
      ? settings.organization.trim().replace(/^organizations\//, '')
      : null;
  const scope = {
    projects: listOf(settings.projects).map((project) => project.replace(/^projects\//, '')),
    folders: listOf(settings.folders).map((folder) => folder.replace(/^folders\//, '')),
    organization,
    apiEndpoint:
      typeof settings.apiEndpoint === 'string' && settings.apiEndpoint ? settings.apiEndpoint : undefined,
  };
  if (scope.projects.length === 0 && !scope.organization)
    throw new UnreadableInputError('The source names no projects (settings.projects) and no organization');
  return scope;
}

/** The projects to read: those named, or every active project the key can see (granted on the organization). */
async function projectsOf(api: GcpCaller, scope: GcpScope): Promise<GcpProject[]> {
  if (scope.projects.length > 0) return scope.projects.map((projectId) => ({ projectId }));
  const found = await api.pages<GcpProject & { state?: string }>(
    'cloudresourcemanager',
    // A parent query matches direct children only: the projects under folders come without one.
    '/v3/projects:search?pageSize=500',
    'projects',
  );
  return found.filter((project) => project.projectId && (project.state ?? 'ACTIVE') === 'ACTIVE');
}

async function keysOf(api: GcpCaller, accounts: GcpServiceAccount[], warnings: ScanWarning[]) {
  const keys: Record<string, GcpServiceAccountKey[]> = {};
  const queue = accounts.filter((account) => account.email);
  const worker = async () => {
    for (let account = queue.shift(); account; account = queue.shift()) {
      const email = account.email as string;
      try {
        const answer = await api.call<{ keys?: GcpServiceAccountKey[] }>(
          'iam',
          `/v1/${account.name ?? `projects/-/serviceAccounts/${email}`}/keys?keyTypes=USER_MANAGED`,
        );
        keys[email] = answer.keys ?? [];
      } catch (error) {
        warnings.push({
          item: `service account ${email}`,
          message: `keys not readable: ${(error as Error).message}`,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: keyListingConcurrency }, worker));
  return keys;
}

/**
 * Reads the projects (and the folders and organization) of a source live: service accounts, their
 * user-managed keys, the IAM policies, and key activity from Policy Analyzer when the key may read it.
 * A project the key may not read is a warning; the others are still read.
 */
export async function readGcpLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const key = keyFileOf(context.secrets);
  const scope = scopeOf(context.settings);
  const api = gcpCaller(key, scope.apiEndpoint, context.signal);
  const warnings: ScanWarning[] = [];
  const data: Required<Pick<GcpExport, 'serviceAccounts' | 'keys' | 'policies' | 'projects'>> & {
    keyLastAuthentication: Record<string, GcpKeyActivity[]>;
  } = { serviceAccounts: [], keys: {}, policies: {}, projects: [], keyLastAuthentication: {} };
  const projects = await projectsOf(api, scope);
  data.projects = projects;
  let readable = 0;
  const unread: string[] = [];
  for (const { projectId, name } of projects) {
    const project = projectId as string;
    try {
      const accounts = await api.pages<GcpServiceAccount>(
        'iam',
        `/v1/projects/${encodeURIComponent(project)}/serviceAccounts?pageSize=100`,
        'accounts',
      );
      data.serviceAccounts.push(...accounts);
      Object.assign(data.keys, await keysOf(api, accounts, warnings));
      readable += 1;
    } catch (error) {
      if (error instanceof GcpApiError && error.status === 401) throw error;
      unread.push(...accountDomainsOf(project, name));
      warnings.push({
        item: `project ${project}`,
        message: `service accounts not readable: ${(error as Error).message}`,
      });
      continue;
    }
    await policy(api, `projects/${project}`, 'v1', data.policies, warnings);
    try {
      data.keyLastAuthentication[project] = await api.pages<GcpKeyActivity>(
        'policyanalyzer',
        `/v1/projects/${encodeURIComponent(project)}/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query?pageSize=1000`,
        'activities',
      );
    } catch (error) {
      warnings.push({
        item: `project ${project}`,
        message: `key activity not readable (last use stays unknown): ${(error as Error).message}`,
      });
    }
  }
  for (const folder of scope.folders) await policy(api, `folders/${folder}`, 'v3', data.policies, warnings);
  if (scope.organization)
    await policy(api, `organizations/${scope.organization}`, 'v3', data.policies, warnings);
  if (readable === 0 && projects.length > 0)
    throw new UnreadableInputError(
      `No project could be read: ${warnings.map((warning) => `${warning.item}: ${warning.message}`).join('; ')}`,
    );
  const unreadPolicies = new Set(
    projects
      .map(({ projectId }) => `projects/${projectId}`)
      .filter((resource) => !(resource in data.policies)),
  );
  const output = await readGcpData(data, { fingerprint: context.fingerprint, unreadPolicies });
  output.warnings.unshift(...warnings);
  // A project read before and refused now keeps its accounts: they are not gone, only unread.
  if (unread.length > 0) output.unreadExternalIdSuffixes = unread;
  return output;
}

/**
 * Where a project's service accounts live: the domains of the accounts it creates and of its App
 * Engine default, and the Compute Engine default account when the project's number is known.
 */
function accountDomainsOf(project: string, name: string | undefined): string[] {
  const number = /^projects\/(\d+)$/.exec(name ?? '')?.[1];
  return [
    `@${project}.iam.gserviceaccount.com`,
    `@${project}.appspot.gserviceaccount.com`,
    ...(number ? [`${number}-compute@developer.gserviceaccount.com`] : []),
  ];
}

async function policy(
  api: GcpCaller,
  resource: string,
  version: 'v1' | 'v3',
  policies: Record<string, GcpPolicy>,
  warnings: ScanWarning[],
) {
  try {
    policies[resource] = await api.call<GcpPolicy>(
      'cloudresourcemanager',
      `/${version}/${resource}:getIamPolicy`,
      policyRequest,
    );
  } catch (error) {
    warnings.push({ item: resource, message: `IAM policy not readable: ${(error as Error).message}` });
  }
}

/** One cheap authenticated call: the first page of the first project's service accounts (or the organization's policy). */
export async function testGcpLive(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
  signal: AbortSignal,
) {
  const key = keyFileOf(secrets);
  const scope = scopeOf(settings);
  const api = gcpCaller(key, scope.apiEndpoint, signal);
  const project = scope.projects[0];
  if (project) {
    await api.call('iam', `/v1/projects/${encodeURIComponent(project)}/serviceAccounts?pageSize=1`);
    return { ok: true, message: `Connected as ${key.client_email}: service accounts of ${project} readable` };
  }
  await api.call(
    'cloudresourcemanager',
    `/v3/organizations/${scope.organization}:getIamPolicy`,
    policyRequest,
  );
  return {
    ok: true,
    message: `Connected as ${key.client_email}: IAM policy of organizations/${scope.organization} readable`,
  };
}
