import { setTimeout as sleep } from 'node:timers/promises';

/** The REST v4 calls of a GitLab instance (gitlab.com or self-managed), with its paging and rate limits. */

export const defaultGitLabUrl = 'https://gitlab.com';
const pageSize = 100;
/** More pages than this is a runaway listing, not an inventory. */
const maxPages = 1000;
const maxRetries = 3;
/** A Retry-After longer than this is not waited for: the scan fails and runs again later. */
const longestWaitSeconds = 60;

export class GitLabError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API root of an instance URL, with or without `/api/v4`. */
export function apiRootOf(baseUrl: unknown): string {
  const url = typeof baseUrl === 'string' && baseUrl.trim() ? baseUrl.trim() : defaultGitLabUrl;
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`The GitLab URL must be http(s): ${url}`);
  const root = url.replace(/\/+$/, '');
  return root.endsWith('/api/v4') ? root : `${root}/api/v4`;
}

/**
 * The instance a URL names, as external ids spell it: the host in lower case, with its port unless it
 * is the scheme's default (`gitlab.com`, `gitlab.example.com:8443`). Token and user ids are unique
 * only within one instance, so every GitLab external id begins with this.
 */
export function instanceHostOf(baseUrl: unknown): string {
  const url = typeof baseUrl === 'string' && baseUrl.trim() ? baseUrl.trim() : defaultGitLabUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`The GitLab URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`The GitLab URL must be http(s): ${url}`);
  // URL already lower-cases the host and drops the scheme's default port.
  return parsed.host;
}

/** The id of a project or group in a path: its full path, URL-encoded (`group%2Fproject`). */
export const idOf = (pathOrId: string | number) => encodeURIComponent(String(pathOrId));

export class GitLabClient {
  constructor(
    private readonly root: string,
    private readonly token: string,
    private readonly signal: AbortSignal,
  ) {}

  private async request(url: string): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(url, {
        headers: { 'PRIVATE-TOKEN': this.token, accept: 'application/json' },
        signal: this.signal,
      });
      if (response.status !== 429 || attempt >= maxRetries) return response;
      await response.body?.cancel();
      const wait = Number(response.headers.get('retry-after') ?? 1);
      if (!Number.isFinite(wait) || wait > longestWaitSeconds) return response;
      await sleep(Math.max(0, wait) * 1000, undefined, { signal: this.signal });
    }
  }

  private async fail(response: Response, path: string): Promise<never> {
    let reason = response.statusText;
    try {
      const body = (await response.json()) as { message?: unknown; error?: unknown };
      const message = body.message ?? body.error;
      if (message) reason = typeof message === 'string' ? message : JSON.stringify(message);
    } catch {
      // Not JSON: the status text says enough.
    }
    throw new GitLabError(response.status, `GET ${path}: ${response.status} ${reason}`.trim());
  }

  async get<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const url = new URL(`${this.root}${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const response = await this.request(url.toString());
    if (!response.ok) return this.fail(response, path);
    return (await response.json()) as T;
  }

  /**
   * Every page of a listing: the Link header's next page when there is one (keyset pagination gives
   * only that), else the x-next-page header of offset pagination. Each item is mapped as it is read.
   */
  async all<T, R = T>(
    path: string,
    query: Record<string, string> = {},
    map: (item: T) => R = (item) => item as unknown as R,
  ): Promise<R[]> {
    const first = new URL(`${this.root}${path}`);
    for (const [name, value] of Object.entries({ per_page: String(pageSize), ...query }))
      first.searchParams.set(name, value);
    const items: R[] = [];
    let next: string | null = first.toString();
    for (let page = 0; next && page < maxPages; page += 1) {
      const response = await this.request(next);
      if (!response.ok) return this.fail(response, path);
      const body = (await response.json()) as unknown;
      if (!Array.isArray(body)) throw new GitLabError(response.status, `GET ${path}: not a list`);
      for (const item of body) items.push(map(item as T));
      next = nextPage(response, next);
    }
    return items;
  }
}

function nextPage(response: Response, current: string): string | null {
  const link = response.headers.get('link');
  const match = link ? /<([^>]+)>;\s*rel="next"/.exec(link) : null;
  if (match?.[1]) {
    const url = new URL(match[1], current);
    // Only pages of the same instance are followed: the token is sent with each request.
    return url.origin === new URL(current).origin ? url.toString() : null;
  }
  const page = response.headers.get('x-next-page');
  if (!page) return null;
  const url = new URL(current);
  url.searchParams.set('page', page);
  return url.toString();
}
