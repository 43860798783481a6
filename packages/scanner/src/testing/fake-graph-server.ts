import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGraphTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  servicePrincipals: unknown[];
  applications: unknown[];
  /** Service principal id → GET /servicePrincipals/{id}/appRoleAssignments */
  appRoleAssignments?: Record<string, unknown[]>;
  /** Object id → GET /servicePrincipals/{id}/owners or /applications/{id}/owners */
  owners?: Record<string, unknown[]>;
  roleAssignments?: unknown[];
  /** Undefined: the beta report answers 403, as for a tenant without Entra ID P1. */
  signInActivities?: unknown[];
  /** Most items per page whatever $top asks, so that paging is exercised. */
  pageSize?: number;
  /** The first list of service principals is throttled: 429 with Retry-After. */
  throttleFirst?: boolean;
  /** Service principals (by id or appId) whose own GET answers 403, as to a credential without the right. */
  unreadableServicePrincipals?: string[];
}

const graphError = (code: string, message: string) => ({
  error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } },
});

/**
 * A local Microsoft identity platform token endpoint and Microsoft Graph for the calls the connector
 * makes: client credentials checked, bearer tokens required, OData pages of `$top` items linked by
 * `@odata.nextLink` (with a `$skiptoken`), Graph's error bodies.
 */
export async function startFakeGraph(tenant: FakeGraphTenant) {
  const requests: string[] = [];
  const bodies: string[] = [];
  const tokens = new Set<string>();
  let throttled = !tenant.throttleFirst;
  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'POST' && url.pathname === `/${tenant.tenantId}/oauth2/v2.0/token`) {
      let raw = '';
      for await (const chunk of request) raw += chunk;
      bodies.push(raw);
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'client_credentials' || !form.get('scope')?.endsWith('/.default'))
        return json(400, { error: 'invalid_request', error_description: 'AADSTS900144: bad request' });
      if (form.get('client_id') !== tenant.clientId || form.get('client_secret') !== tenant.clientSecret)
        return json(401, {
          error: 'invalid_client',
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${tenant.clientId}'.`,
        });
      const token = `eyJ0eXAiOiJKV1Qi.${randomUUID()}`;
      tokens.add(token);
      return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }
    if (request.method === 'POST') return json(404, { error: 'invalid_tenant' });
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer))
      return json(401, graphError('InvalidAuthenticationToken', 'Access token is empty.'));
    // $select keeps the properties named (and the id), as Graph does; nextLinks carry it on.
    const selected = url.searchParams.get('$select')?.split(',');
    const select = (item: unknown) =>
      selected
        ? Object.fromEntries(
            Object.entries(item as Record<string, unknown>).filter(
              ([key]) => key === 'id' || selected.includes(key),
            ),
          )
        : item;
    const paged = (items: unknown[]) => {
      const top = Math.min(Number(url.searchParams.get('$top') ?? 100), tenant.pageSize ?? 2);
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
      const next = new URL(url.pathname, `http://${request.headers.host}`);
      next.searchParams.set('$top', String(top));
      next.searchParams.set('$skiptoken', String(skip + top));
      if (selected) next.searchParams.set('$select', selected.join(','));
      json(200, {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${url.pathname.split('/').pop()}`,
        value: items.slice(skip, skip + top).map(select),
        ...(skip + top < items.length ? { '@odata.nextLink': next.toString() } : {}),
      });
    };
    const path = url.pathname;
    if (path === '/v1.0/servicePrincipals') {
      if (!throttled) {
        throttled = true;
        return json(429, graphError('TooManyRequests', 'Too many requests'), { 'retry-after': '0' });
      }
      return paged(tenant.servicePrincipals);
    }
    if (path === '/v1.0/applications') return paged(tenant.applications);
    // One service principal, by object id or by application id (an alternate key).
    const one = /^\/v1\.0\/servicePrincipals(?:\/([^/(]+)|\(appId='([^']+)'\))$/.exec(path);
    if (one) {
      const key = decodeURIComponent(one[1] ?? one[2] ?? '');
      const sp = tenant.servicePrincipals.find((item) => {
        const { id, appId } = item as { id?: string; appId?: string };
        return one[1] ? id === key : appId === key;
      }) as { id?: string; appId?: string } | undefined;
      if (!sp) return json(404, graphError('Request_ResourceNotFound', `Resource '${key}' does not exist.`));
      if (tenant.unreadableServicePrincipals?.some((name) => name === sp.id || name === sp.appId))
        return json(403, graphError('Authorization_RequestDenied', 'Insufficient privileges.'));
      return json(200, {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity',
        ...(select(sp) as object),
      });
    }
    if (path === '/v1.0/roleManagement/directory/roleAssignments') return paged(tenant.roleAssignments ?? []);
    if (path === '/beta/reports/servicePrincipalSignInActivities')
      return tenant.signInActivities
        ? paged(tenant.signInActivities)
        : json(
            403,
            graphError(
              'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
              'Neither tenant is B2C or tenant doesn’t have premium license',
            ),
          );
    const object = /^\/v1\.0\/(servicePrincipals|applications)\/([^/]+)\/(appRoleAssignments|owners)$/.exec(
      path,
    );
    const id = decodeURIComponent(object?.[2] ?? '');
    const collection = object?.[1] === 'servicePrincipals' ? tenant.servicePrincipals : tenant.applications;
    if (object && collection.some((item) => (item as { id?: string }).id === id))
      return paged((object[3] === 'owners' ? tenant.owners?.[id] : tenant.appRoleAssignments?.[id]) ?? []);
    json(404, graphError('Request_ResourceNotFound', `Resource '${id}' does not exist.`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    /** Both the authority host and the Graph endpoint. */
    baseUrl,
    requests,
    /** The token requests' bodies (they hold the client secret). */
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
