import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Listing = 'access_tokens' | 'deploy_tokens' | 'deploy_keys' | 'variables' | 'service_accounts';

export interface FakeGitLabGroup {
  id: number;
  /** Full path: `acme`, `acme/platform`. */
  path: string;
  parent_id?: number | null;
  access_tokens?: unknown[];
  deploy_tokens?: unknown[];
  variables?: unknown[];
  service_accounts?: unknown[];
  /** Service account id → its personal access tokens. */
  service_account_tokens?: Record<number, unknown[]>;
  /** Listings that answer 403, as they do for a role below Maintainer or Owner. */
  forbidden?: Listing[];
}

export interface FakeGitLabProject {
  id: number;
  /** path_with_namespace: `acme/platform/api`. */
  path: string;
  access_tokens?: unknown[];
  deploy_tokens?: unknown[];
  deploy_keys?: unknown[];
  variables?: unknown[];
  forbidden?: Listing[];
  /** Commit sha → GET /projects/:id/repository/commits/:sha/diff */
  commits?: Record<string, unknown[]>;
}

export interface FakeGitLabInstance {
  token: string;
  /** undefined: the listing answers 403. */
  personal_access_tokens?: unknown[];
  users?: { id: number; username: string; email?: string }[];
  service_accounts?: unknown[];
  groups?: FakeGitLabGroup[];
  projects?: FakeGitLabProject[];
  /** The first request answers 429 with Retry-After: 0, as GitLab's rate limiter does. */
  rateLimitFirst?: boolean;
}

/**
 * A local GitLab REST v4 endpoint for the calls the connector makes: PRIVATE-TOKEN or Bearer
 * authentication, one item per page, the listings of groups and projects paged by Link headers
 * (keyset style) and the others by x-next-page (offset style), and 403 for listings refused.
 */
export async function startFakeGitLab(instance: FakeGitLabInstance) {
  const requests: string[] = [];
  let limited = !instance.rateLimitFirst;
  const groups = instance.groups ?? [];
  const projects = instance.projects ?? [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const token = request.headers['private-token'] ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (token !== instance.token) return json(401, { message: '401 Unauthorized' });
    if (!limited) {
      limited = true;
      return json(429, { message: 'Retry later' }, { 'retry-after': '0' });
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const offsetPaged = (items: unknown[]) => {
      const headers: Record<string, string> = { 'x-page': String(page), 'x-total': String(items.length) };
      headers['x-next-page'] = page < items.length ? String(page + 1) : '';
      json(200, items.slice(page - 1, page), headers);
    };
    const linkPaged = (items: unknown[]) => {
      const after = Number(url.searchParams.get('id_after') ?? 0);
      const rest = items.filter((item) => (item as { id: number }).id > after);
      const slice = rest.slice(0, 1);
      const next = new URL(url.toString());
      next.searchParams.set('id_after', String((slice[0] as { id?: number } | undefined)?.id ?? after));
      const headers: Record<string, string> =
        rest.length > 1
          ? { link: `<http://${request.headers.host}${next.pathname}${next.search}>; rel="next"` }
          : {};
      json(200, slice, headers);
    };
    const parts = url.pathname
      .replace(/^\/api\/v4/, '')
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const find = <T extends { id: number; path: string }>(list: T[], id: string | undefined) =>
      list.find((item) => String(item.id) === id || item.path === id);
    const listing = (owner: FakeGitLabGroup | FakeGitLabProject, name: string) => {
      if (owner.forbidden?.includes(name as Listing)) return json(403, { message: '403 Forbidden' });
      const items = (owner as unknown as Record<string, unknown[] | undefined>)[name];
      if (!items) return json(404, { message: '404 Not Found' });
      offsetPaged(items);
    };
    const groupView = (group: FakeGitLabGroup) => ({
      id: group.id,
      full_path: group.path,
      path: group.path.split('/').pop(),
      parent_id: group.parent_id ?? null,
    });
    const projectView = (project: FakeGitLabProject) => ({
      id: project.id,
      path_with_namespace: project.path,
      name: project.path.split('/').pop(),
    });
    const [first, id, sub, subId, ...rest] = parts;
    if (first === 'user' && !id) return json(200, { id: 1, username: 'scanner' });
    if (first === 'personal_access_tokens' && !id) {
      if (!instance.personal_access_tokens) return json(403, { message: '403 Forbidden' });
      return offsetPaged(instance.personal_access_tokens);
    }
    if (first === 'service_accounts' && !id) {
      if (!instance.service_accounts) return json(404, { message: '404 Not Found' });
      return offsetPaged(instance.service_accounts);
    }
    if (first === 'users' && id && !sub) {
      const user = instance.users?.find((entry) => String(entry.id) === id);
      return user ? json(200, user) : json(404, { message: '404 User Not Found' });
    }
    if (first === 'groups' && !id) return linkPaged(groups.map(groupView));
    if (first === 'projects' && !id) return linkPaged(projects.map(projectView));
    if (first === 'groups') {
      const group = find(groups, id);
      if (!group) return json(404, { message: '404 Group Not Found' });
      if (!sub) return json(200, groupView(group));
      if (sub === 'descendant_groups')
        return linkPaged(groups.filter((other) => other.path.startsWith(`${group.path}/`)).map(groupView));
      if (sub === 'projects') {
        const inside = projects.filter((project) =>
          url.searchParams.get('include_subgroups') === 'true'
            ? project.path.startsWith(`${group.path}/`)
            : project.path.slice(0, project.path.lastIndexOf('/')) === group.path,
        );
        return linkPaged(inside.map(projectView));
      }
      if (sub === 'service_accounts' && subId && rest[0] === 'personal_access_tokens') {
        const tokens = group.service_account_tokens?.[Number(subId)];
        return tokens ? offsetPaged(tokens) : json(404, { message: '404 Not Found' });
      }
      if (sub && !subId) return listing(group, sub);
    }
    if (first === 'projects') {
      const project = find(projects, id);
      if (!project) return json(404, { message: '404 Project Not Found' });
      if (sub === 'repository' && subId === 'commits' && rest[1] === 'diff') {
        const diff = project.commits?.[rest[0] ?? ''];
        return diff ? offsetPaged(diff) : json(404, { message: '404 Commit Not Found' });
      }
      if (sub && !subId) return listing(project, sub);
    }
    json(404, { message: '404 Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
