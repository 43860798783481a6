import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHubOrg {
  token: string;
  org: string;
  installations: unknown[];
  /** repository name → its deploy keys */
  repositories: Record<string, unknown[]>;
  /** undefined: the endpoint answers 403 as it does for a classic token */
  tokens?: unknown[];
  /**
   * Actions secrets (name, created_at, updated_at; visibility for the organisation's), answered in
   * `{ total_count, secrets }` pages; `forbidden` lists `org` or repository names answered 403.
   */
  actionsSecrets?: { org?: unknown[]; repositories?: Record<string, unknown[]>; forbidden?: string[] };
  /** `<repository name>@<sha>` → the commit's files (filename, status, patch) */
  commits?: Record<string, unknown[]>;
  /**
   * The token's user, when the token is a user's (a classic token, or a user access token): per
   * installation id they reach, its repositories they see with their `permissions`. Undefined: the
   * `/user/installations` endpoints answer 403, as GitHub does for a token that is not a user's.
   */
  user?: { login: string; installations: Record<string, InstallationRepository[]> };
}

export interface InstallationRepository {
  id: number;
  name: string;
  full_name: string;
  permissions: { admin: boolean; push: boolean; pull: boolean };
}

/**
 * A local GitHub REST endpoint for the calls the connector makes: bearer authentication, JSON answers,
 * and pagination through Link headers of one item per page (so paging is exercised).
 */
export async function startFakeGitHub(org: FakeGitHubOrg) {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const auth = request.headers.authorization ?? '';
    if (auth !== `token ${org.token}` && auth !== `bearer ${org.token}` && auth !== `Bearer ${org.token}`) {
      json(401, { message: 'Bad credentials' });
      return;
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const paged = (items: unknown[], wrap?: (slice: unknown[]) => unknown) => {
      const slice = items.slice(page - 1, page);
      const next: Record<string, string> =
        page < items.length
          ? { link: `<http://${request.headers.host}${url.pathname}?page=${page + 1}>; rel="next"` }
          : {};
      json(200, wrap ? wrap(slice) : slice, next);
    };
    const repos = Object.keys(org.repositories);
    if (url.pathname.startsWith('/user/installations'))
      userInstallations(org, request.method ?? 'GET', url.pathname, json, paged, () => {
        response.writeHead(204, { 'x-github-request-id': 'C0DE:1234:5678:9ABC:DEF0' });
        response.end();
      });
    else if (url.pathname === `/orgs/${org.org}/installations`)
      paged(org.installations, (slice) => ({ total_count: org.installations.length, installations: slice }));
    else if (url.pathname === `/orgs/${org.org}/repos`)
      paged(repos.map((name) => ({ name, full_name: `${org.org}/${name}`, owner: { login: org.org } })));
    else if (url.pathname === `/orgs/${org.org}/personal-access-tokens`) {
      if (org.tokens) paged(org.tokens);
      else json(403, { message: 'Resource not accessible by personal access token' });
    } else if (
      request.method === 'GET' &&
      /^\/(orgs\/[^/]+|repos\/[^/]+\/[^/]+)\/actions\/secrets$/.test(url.pathname)
    ) {
      // GET /orgs/{org}/actions/secrets and /repos/{owner}/{repo}/actions/secrets: names, never values.
      const repo = /^\/repos\/[^/]+\/([^/]+)\//.exec(url.pathname)?.[1];
      const secrets = org.actionsSecrets;
      const list = repo ? secrets?.repositories?.[repo] : secrets?.org;
      if (secrets?.forbidden?.includes(repo ?? 'org'))
        json(403, { message: 'Resource not accessible by integration', status: '403' });
      else if (repo !== undefined && !org.repositories[repo]) json(404, { message: 'Not Found' });
      else paged(list ?? [], (slice) => ({ total_count: (list ?? []).length, secrets: slice }));
    } else if (request.method === 'DELETE') {
      // DELETE /repos/{owner}/{repo}/keys/{key_id}: 204 without a body, 404 when the key is not there.
      const key = /^\/repos\/([^/]+)\/([^/]+)\/keys\/(\d+)$/.exec(url.pathname);
      const list = key?.[1] === org.org ? org.repositories[key[2] ?? ''] : undefined;
      const index = list?.findIndex((item) => String((item as { id?: unknown }).id) === key?.[3]) ?? -1;
      if (!list || index < 0)
        json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      else {
        list.splice(index, 1);
        response.writeHead(204);
        response.end();
      }
    } else if (/^\/repos\/[^/]+\/[^/]+\/commits\/[^/]+$/.test(url.pathname)) {
      // GET /repos/{owner}/{repo}/commits/{ref}: the commit with its files' patches; 422 for an unknown sha.
      const [, , owner, repo, , sha] = url.pathname.split('/');
      const files = owner === org.org ? org.commits?.[`${repo}@${sha}`] : undefined;
      if (files) json(200, { sha, commit: { message: 'change' }, files });
      else json(422, { message: `No commit found for SHA: ${sha}` });
    } else {
      const keys = /^\/repos\/[^/]+\/([^/]+)\/keys$/.exec(url.pathname);
      if (keys?.[1] && org.repositories[keys[1]]) paged(org.repositories[keys[1]] ?? []);
      else json(404, { message: 'Not Found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const documentation = 'https://docs.github.com/rest/apps/installations';

/**
 * GET /user/installations, GET /user/installations/{id}/repositories and
 * DELETE /user/installations/{id}/repositories/{repository_id}, as GitHub answers them: 403 for a
 * token that is not a user's, 404 for an installation or repository out of the user's reach, 403
 * without admin rights on the repository, 422 for an installation on all repositories or its last one.
 */
function userInstallations(
  org: FakeGitHubOrg,
  method: string,
  path: string,
  json: (status: number, body: unknown) => void,
  paged: (items: unknown[], wrap?: (slice: unknown[]) => unknown) => void,
  noContent: () => void,
) {
  const user = org.user;
  if (!user) {
    json(403, {
      message: 'Resource not accessible by integration',
      documentation_url: documentation,
      status: '403',
    });
    return;
  }
  const [, installationId, repositoryId] =
    /^\/user\/installations(?:\/(\d+)\/repositories(?:\/(\d+))?)?$/.exec(path) ?? [];
  if (!installationId) {
    const reachable = org.installations.filter(
      (item) => String((item as { id?: unknown }).id) in user.installations,
    );
    paged(reachable, (slice) => ({ total_count: reachable.length, installations: slice }));
    return;
  }
  const installation = org.installations.find(
    (item) => String((item as { id?: unknown }).id) === installationId,
  ) as { repository_selection?: string } | undefined;
  const repositories = user.installations[installationId];
  if (!installation || !repositories) {
    json(404, { message: 'Not Found', documentation_url: documentation, status: '404' });
    return;
  }
  if (method === 'GET' && !repositoryId) {
    paged(repositories, (slice) => ({
      total_count: repositories.length,
      repository_selection: installation.repository_selection,
      repositories: slice,
    }));
    return;
  }
  if (method !== 'DELETE' || !repositoryId) {
    json(404, { message: 'Not Found', documentation_url: documentation, status: '404' });
    return;
  }
  const index = repositories.findIndex((repository) => String(repository.id) === repositoryId);
  if (installation.repository_selection === 'all')
    json(422, {
      message: 'This installation is for all repositories',
      documentation_url: documentation,
      status: '422',
    });
  else if (index < 0) json(404, { message: 'Not Found', documentation_url: documentation, status: '404' });
  else if (!repositories[index]?.permissions.admin)
    json(403, {
      message: 'Must have admin rights to Repository.',
      documentation_url: documentation,
      status: '403',
    });
  else if (repositories.length === 1)
    json(422, {
      message: 'Cannot remove the last repository of an installation',
      documentation_url: documentation,
      status: '422',
    });
  else {
    repositories.splice(index, 1);
    noContent();
  }
}
