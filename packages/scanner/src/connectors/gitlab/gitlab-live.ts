import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import { type ConnectorOutput, type ScanWarning, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { apiRootOf, GitLabClient, GitLabError, idOf, instanceHostOf } from './gitlab-client.ts';
import { readGitLabData } from './gitlab-identities.ts';
import type {
  GitLabDeployKey,
  GitLabDeployToken,
  GitLabExport,
  GitLabGroupData,
  GitLabProjectData,
  GitLabToken,
  GitLabUser,
  GitLabVariableName,
} from './gitlab-model.ts';
import { variableName } from './gitlab-model.ts';

interface Namespace {
  id: number;
  full_path?: string;
  path_with_namespace?: string;
  parent_id?: number | null;
}

/** Projects and groups are read a few at a time: enough to be quick, few enough for rate limits. */
const concurrency = 4;

async function eachLimited<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A variable's answer is reduced to its name as each page is read: its value goes no further. */
const variableOf = (variable: unknown) => variableName(variable) ?? ({} as GitLabVariableName);

export function gitlabClientOf(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
  signal: AbortSignal,
) {
  const token = secrets.token;
  if (!token) throw new UnreadableInputError('The source has no GitLab token (secrets.token)');
  let root: string;
  try {
    root = apiRootOf(settings.baseUrl);
  } catch (error) {
    throw new UnreadableInputError((error as Error).message);
  }
  return new GitLabClient(root, token, signal);
}

/**
 * Reads a GitLab group (its subgroups and projects) or, with no group, what the token can see of the
 * instance: personal access tokens, service accounts, and each project's and group's access tokens,
 * deploy tokens and keys and CI/CD variable names. What one project refuses is a warning.
 */
export async function readGitLabLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const client = gitlabClientOf(context.settings, context.secrets, context.signal);
  const group = typeof context.settings.group === 'string' ? context.settings.group.trim() : '';
  const warnings: ScanWarning[] = [];
  const optional = async <T>(
    item: string,
    what: string,
    call: () => Promise<T>,
    quietWhenMissing = false,
  ): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof GitLabError && error.status === 401)
        throw new UnreadableInputError(`GitLab refused the token: ${error.message}`);
      if (!(error instanceof GitLabError)) throw error;
      // Service accounts are missing from instances and tiers without them: nothing to report.
      if (quietWhenMissing && error.status === 404) return undefined;
      warnings.push({ item, message: `${what} not readable: ${error.message}` });
      return undefined;
    }
  };
  const required = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof GitLabError)
        throw new UnreadableInputError(
          error.status === 401 ? `GitLab refused the token: ${error.message}` : error.message,
        );
      throw error;
    }
  };

  const data: GitLabExport & {
    projects: Record<string, GitLabProjectData>;
    groups: Record<string, GitLabGroupData>;
  } = { projects: {}, groups: {}, users: [] };
  let groups: Namespace[];
  let projects: Namespace[];
  if (group) {
    const top = await required(() => client.get<Namespace>(`/groups/${idOf(group)}`));
    const descendants = await required(() =>
      client.all<Namespace>(`/groups/${top.id}/descendant_groups`, { order_by: 'id', sort: 'asc' }),
    );
    groups = [top, ...descendants];
    projects = await required(() =>
      client.all<Namespace>(`/groups/${top.id}/projects`, {
        include_subgroups: 'true',
        with_shared: 'false',
        archived: 'false',
        order_by: 'id',
        sort: 'asc',
        simple: 'true',
      }),
    );
  } else {
    // Maintainer is the least role that lists a project's or group's tokens and variables.
    groups = await required(() =>
      client.all<Namespace>('/groups', { min_access_level: '40', all_available: 'false' }),
    );
    projects = await required(() =>
      client.all<Namespace>('/projects', {
        membership: 'true',
        min_access_level: '40',
        archived: 'false',
        simple: 'true',
        pagination: 'keyset',
        order_by: 'id',
        sort: 'asc',
      }),
    );
    data.service_accounts = await optional(
      'instance',
      'service accounts',
      () => client.all<GitLabUser>('/service_accounts'),
      true,
    );
  }
  data.personal_access_tokens = await optional('instance', 'personal access tokens', () =>
    client.all<GitLabToken>('/personal_access_tokens'),
  );

  await eachLimited(groups, async (namespace) => {
    const path = namespace.full_path ?? String(namespace.id);
    const item = `group ${path}`;
    const base = `/groups/${namespace.id}`;
    const entry: GitLabGroupData = {
      access_tokens: await optional(item, 'access tokens', () =>
        client.all<GitLabToken>(`${base}/access_tokens`),
      ),
      deploy_tokens: await optional(item, 'deploy tokens', () =>
        client.all<GitLabDeployToken>(`${base}/deploy_tokens`),
      ),
      variables: await optional(item, 'CI/CD variables', () =>
        client.all(`${base}/variables`, {}, variableOf),
      ),
    };
    // Service accounts belong to top-level groups.
    if (!namespace.parent_id) {
      entry.service_accounts = await optional(
        item,
        'service accounts',
        () => client.all<GitLabUser>(`${base}/service_accounts`),
        true,
      );
      entry.service_account_tokens = {};
      for (const account of entry.service_accounts ?? []) {
        if (typeof account.id !== 'number') continue;
        const tokens = await optional(
          item,
          `tokens of service account ${account.username ?? account.id}`,
          () => client.all<GitLabToken>(`${base}/service_accounts/${account.id}/personal_access_tokens`),
        );
        if (tokens) entry.service_account_tokens[String(account.id)] = tokens;
      }
    }
    data.groups[path] = entry;
  });

  await eachLimited(projects, async (namespace) => {
    const path = namespace.path_with_namespace ?? String(namespace.id);
    const item = `project ${path}`;
    const base = `/projects/${namespace.id}`;
    data.projects[path] = {
      access_tokens: await optional(item, 'access tokens', () =>
        client.all<GitLabToken>(`${base}/access_tokens`),
      ),
      deploy_tokens: await optional(item, 'deploy tokens', () =>
        client.all<GitLabDeployToken>(`${base}/deploy_tokens`),
      ),
      deploy_keys: await optional(item, 'deploy keys', () =>
        client.all<GitLabDeployKey>(`${base}/deploy_keys`),
      ),
      variables: await optional(item, 'CI/CD variables', () =>
        client.all(`${base}/variables`, {}, variableOf),
      ),
    };
  });

  // The owners of personal access tokens, by name: bots and service accounts are named by their scope.
  const owners = new Set<number>();
  for (const token of data.personal_access_tokens ?? [])
    if (typeof token.user_id === 'number') owners.add(token.user_id);
  for (const scope of [...Object.values(data.projects), ...Object.values(data.groups)])
    for (const token of scope.access_tokens ?? [])
      if (typeof token.user_id === 'number') owners.delete(token.user_id);
  for (const account of [
    ...(data.service_accounts ?? []),
    ...Object.values(data.groups).flatMap((scope) => scope.service_accounts ?? []),
  ])
    if (typeof account.id === 'number') owners.delete(account.id);
  await eachLimited([...owners], async (id) => {
    const user = await optional(`user ${id}`, 'user', () => client.get<GitLabUser>(`/users/${id}`));
    if (user) data.users?.push(user);
  });

  return readGitLabData(data, instanceHostOf(context.settings.baseUrl), warnings);
}

export async function testGitLabLiveConnection(
  settings: Record<string, string | number | boolean>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<ConnectionTestResult> {
  if (!secrets.token) return { ok: false, message: 'Give a GitLab access token' };
  const client = gitlabClientOf(settings, secrets, signal);
  const group = typeof settings.group === 'string' ? settings.group.trim() : '';
  try {
    if (group) {
      await client.get(`/groups/${idOf(group)}`);
      await client.get(`/groups/${idOf(group)}/projects`, { per_page: '1', include_subgroups: 'true' });
      return { ok: true, message: `GitLab accepted the token and lets it read the group ${group}` };
    }
    await client.get('/personal_access_tokens', { per_page: '1' });
    return { ok: true, message: 'GitLab accepted the token and lets it list access tokens' };
  } catch (error) {
    if (error instanceof GitLabError) return { ok: false, message: error.message };
    throw error;
  }
}
