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
/** Folders listed or policies read at once while walking an organization's folders. */
const folderConcurrency = 8;
/** Folders nest at most ten deep under an organization (Resource Manager's limit). */
const maximumFolderDepth = 10;
/** Folders read under one organization at most: past it the rest are not read, and the scan says so. */
export const maximumFolders = 2000;
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

/** `task` of every item, at most `concurrency` under way at once; the results in the items' order. */
async function mapConcurrently<T, R>(items: T[], concurrency: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await task(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Every active folder under an organization, level by level: Resource Manager lists a parent's
 * direct children only (`GET /v3/folders?parent=…`), so each folder found is asked for its own. A
 * parent whose folders the key may not list is a warning; the walk stops at `limit` folders or ten
 * levels, saying so.
 */
export async function discoverFolders(
  api: GcpCaller,
  organization: string,
  warnings: ScanWarning[],
  limit = maximumFolders,
): Promise<string[]> {
  const found: string[] = [];
  let parents = [`organizations/${organization}`];
  for (let depth = 1; parents.length > 0; depth++) {
    if (depth > maximumFolderDepth) {
      warnings.push({
        item: `organizations/${organization}`,
        message: `folders nest deeper than ${maximumFolderDepth} levels: those below ${parents.join(', ')} are not read`,
      });
      break;
    }
    const listed = await mapConcurrently(parents, folderConcurrency, async (parent) => {
      try {
        const folders = await api.pages<{ name?: string; state?: string }>(
          'cloudresourcemanager',
          `/v3/folders?parent=${encodeURIComponent(parent)}&pageSize=1000`,
          'folders',
        );
        return folders.flatMap((folder) =>
          /^folders\/\d+$/.test(folder.name ?? '') && (folder.state ?? 'ACTIVE') === 'ACTIVE'
            ? [folder.name as string]
            : [],
        );
      } catch (error) {
        if (error instanceof GcpApiError && error.status === 401) throw error;
        warnings.push({
          item: parent,
          message: `folders not listable, those under it are not read: ${(error as Error).message}`,
        });
        return [];
      }
    });
    const children = listed.flat();
    const room = limit - found.length;
    if (children.length > room) {
      found.push(...children.slice(0, room));
      warnings.push({
        item: `organizations/${organization}`,
        message: `more than ${limit} folders: only the first ${limit} are read`,
      });
      break;
    }
    found.push(...children);
    parents = children;
  }
  return found.map((name) => name.slice('folders/'.length));
}

async function keysOf(api: GcpCaller, accounts: GcpServiceAccount[], warnings: ScanWarning[]) {
  const keys: Record<string, GcpServiceAccountKey[]> = {};
  await mapConcurrently(
    accounts.filter((account) => account.email),
    keyListingConcurrency,
    async (account) => {
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
    },
  );
  return keys;
}

/**
 * Reads the projects (and the folders and organization) of a source live: service accounts, their
 * user-managed keys, the IAM policies, and key activity from Policy Analyzer when the key may read it.
 * Under a named organization every folder is found and its policy read. A project or folder the key
 * may not read is a warning; the others are still read.
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
  // The folders named and, under an organization, every folder found: their bindings count as a project's do.
  const folders = new Set(scope.folders);
  const warnedBefore = warnings.length;
  if (scope.organization)
    for (const folder of await discoverFolders(api, scope.organization, warnings)) folders.add(folder);
  // Each warning of the walk leaves folders unfound: which ones is unknown, so no folder's bindings are gone.
  const foldersUnfound = warnings.length > warnedBefore;
  const folderPolicies = await mapConcurrently([...folders], folderConcurrency, async (folder) => {
    const read: Record<string, GcpPolicy> = {};
    await policy(api, `folders/${folder}`, 'v3', read, warnings);
    return read;
  });
  Object.assign(data.policies, ...folderPolicies);
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
  // Likewise a policy refused now keeps the facts its bindings gave: the bindings are unknown, not gone.
  const unreadResources = [
    ...unreadPolicies,
    ...[...folders].map((folder) => `folders/${folder}`),
    ...(scope.organization ? [`organizations/${scope.organization}`] : []),
  ].filter((resource) => !(resource in data.policies));
  if (foldersUnfound) unreadResources.push('folders/');
  if (unreadResources.length > 0) output.unreadFactResources = unreadResources;
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
