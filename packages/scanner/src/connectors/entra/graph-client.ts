/** Where a tenant is read: the Microsoft identity platform and Graph, or local stand-ins for them. */
export interface GraphSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphEndpoint: string;
}

/** A refusal or failure of Graph or the token endpoint, with the status and Graph's error code. */
export class GraphError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

const retries = 3;
/** Longest wait for a Retry-After: a throttled scan waits, but not for ever. */
const longestWaitMs = 30_000;

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const withoutSlash = (url: string) => url.replace(/\/+$/, '');

export function graphSettingsOf(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): GraphSettings | string {
  const tenantId = text(settings.tenantId);
  if (!tenantId) return 'Name the tenant (settings.tenantId)';
  if (!secrets.clientId || !secrets.clientSecret)
    return 'Give the application’s client id and client secret (secrets.clientId, secrets.clientSecret)';
  return {
    tenantId,
    clientId: secrets.clientId,
    clientSecret: secrets.clientSecret,
    authorityHost: withoutSlash(text(settings.authorityHost) ?? 'https://login.microsoftonline.com'),
    graphEndpoint: withoutSlash(text(settings.graphEndpoint) ?? 'https://graph.microsoft.com'),
  };
}

const delay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

async function errorOf(response: Response, what: string): Promise<GraphError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string } | string;
    error_description?: string;
  } | null;
  const error = body?.error;
  const code = typeof error === 'string' ? error : (error?.code ?? null);
  const reason =
    (typeof error === 'object' ? error?.message : undefined) ??
    body?.error_description?.split('\n')[0] ??
    response.statusText;
  return new GraphError(`${what}: ${response.status} ${code ?? ''} ${reason}`.trim(), response.status, code);
}

/**
 * A Graph client for the client-credentials flow: one token per scan from the tenant's v2.0 token
 * endpoint, then GETs that follow `@odata.nextLink` and wait out 429 and 503 answers as Retry-After says.
 */
export class GraphClient {
  private token: string | null = null;

  constructor(
    private readonly settings: GraphSettings,
    private readonly signal: AbortSignal,
  ) {}

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const { authorityHost, tenantId, clientId, clientSecret, graphEndpoint } = this.settings;
    const response = await fetch(`${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: `${graphEndpoint}/.default`,
      }),
      signal: this.signal,
    });
    if (!response.ok) throw await errorOf(response, 'The tenant refused the client credentials');
    const body = (await response.json()) as { access_token?: string };
    if (!body.access_token) throw new GraphError('The token endpoint answered no access token', 500, null);
    this.token = body.access_token;
    return this.token;
  }

  /** One GET of a path under the Graph endpoint (`/v1.0/...`) or of a nextLink. */
  async get<T>(pathOrUrl: string): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.settings.graphEndpoint}${pathOrUrl}`;
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
        signal: this.signal,
      });
      if (response.ok) return (await response.json()) as T;
      // A token lives about an hour: a long scan signs in again once when Graph says it expired.
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        this.token = null;
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < retries) {
        const seconds = Number(response.headers.get('retry-after'));
        await response.body?.cancel();
        await delay(
          Math.min(
            Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 * 2 ** attempt,
            longestWaitMs,
          ),
          this.signal,
        );
        continue;
      }
      throw await errorOf(response, `Graph refused GET ${new URL(url).pathname}`);
    }
  }

  /** Every item of a collection, page after page. */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.get(next);
      items.push(...(page.value ?? []));
      next = page['@odata.nextLink'];
    }
    return items;
  }
}
