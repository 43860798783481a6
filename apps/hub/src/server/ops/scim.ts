import {
  type Config,
  ConflictError,
  discoveryResource,
  type Logger,
  NotFoundError,
  ScimError,
  ScimGroups,
  type ScimRequest,
  ScimTokens,
  ScimUsers,
  scimPage,
  serviceProviderConfig,
  ValidationError,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { publicOrigin } from './oidc-sign-in.ts';

export interface ScimRouteContext {
  root: DependencyContainer;
  config: Config;
  logger: Logger;
  requestId: string;
}

/** Where SCIM lives: one endpoint for every realm, the token says which (ADR 0033). */
export const scimBasePath = '/scim/v2';

const scimContentType = 'application/scim+json; charset=utf-8';

/**
 * /scim/v2/<path>: SCIM 2.0 (RFC 7644) for the realm of the bearer's SCIM token. Every answer is
 * application/scim+json; every refusal carries the SCIM error schema. A resource of another realm
 * is answered exactly like one that does not exist (404).
 */
export async function scimResponse(
  request: Request,
  splat: string,
  context: ScimRouteContext,
): Promise<Response> {
  try {
    const caller = await context.root.resolve(ScimTokens).authenticate(request.headers.get('authorization'));
    const scim: ScimRequest = {
      caller,
      baseUrl: `${publicOrigin(request, context.config)}${scimBasePath}`,
      requestId: context.requestId,
    };
    return await route(request, splat.split('/').filter(Boolean), scim, context.root);
  } catch (error) {
    return errorResponse(error, context);
  }
}

async function route(
  request: Request,
  segments: string[],
  scim: ScimRequest,
  root: DependencyContainer,
): Promise<Response> {
  const [collection, id, ...rest] = segments;
  const method = request.method;
  if (rest.length > 0 || collection === undefined) throw notFound();
  const query = new URL(request.url).searchParams;
  switch (collection) {
    case 'ServiceProviderConfig':
      only(method, ['GET'], id === undefined);
      return json(200, serviceProviderConfig(scim.baseUrl));
    case 'ResourceTypes':
    case 'Schemas': {
      only(method, ['GET']);
      const found = discoveryResource(collection, scim.baseUrl, id);
      if (found === undefined) throw notFound();
      return json(200, found);
    }
    case 'Users':
      return users(request, id, scim, root.resolve(ScimUsers), query);
    case 'Groups':
      return groups(request, id, scim, root.resolve(ScimGroups), query);
    default:
      throw notFound();
  }
}

async function users(
  request: Request,
  id: string | undefined,
  scim: ScimRequest,
  service: ScimUsers,
  query: URLSearchParams,
): Promise<Response> {
  if (id === undefined) {
    only(request.method, ['GET', 'POST']);
    if (request.method === 'GET') {
      return json(200, await service.list(scim, { filter: query.get('filter'), page: scimPage(query) }));
    }
    return created(await service.create(scim, await bodyOf(request)));
  }
  only(request.method, ['GET', 'PUT', 'PATCH', 'DELETE']);
  switch (request.method) {
    case 'GET':
      return json(200, await service.get(scim, id));
    case 'PUT':
      return json(200, await service.replace(scim, id, await bodyOf(request)));
    case 'PATCH':
      return json(200, await service.patch(scim, id, await bodyOf(request)));
    default:
      await service.remove(scim, id);
      return new Response(null, { status: 204 });
  }
}

async function groups(
  request: Request,
  id: string | undefined,
  scim: ScimRequest,
  service: ScimGroups,
  query: URLSearchParams,
): Promise<Response> {
  // Entra ID lists groups without their members; a large group would otherwise fill every page.
  const withMembers = !(query.get('excludedAttributes') ?? '')
    .split(',')
    .some((attribute) => attribute.trim().toLowerCase() === 'members');
  if (id === undefined) {
    only(request.method, ['GET', 'POST']);
    if (request.method === 'GET') {
      return json(
        200,
        await service.list(scim, { filter: query.get('filter'), page: scimPage(query), withMembers }),
      );
    }
    return created(await service.create(scim, await bodyOf(request)));
  }
  only(request.method, ['GET', 'PUT', 'PATCH', 'DELETE']);
  switch (request.method) {
    case 'GET':
      return json(200, await service.get(scim, id, withMembers));
    case 'PUT':
      return json(200, await service.replace(scim, id, await bodyOf(request)));
    case 'PATCH':
      return json(200, await service.patch(scim, id, await bodyOf(request)));
    default:
      await service.remove(scim, id);
      return new Response(null, { status: 204 });
  }
}

function only(method: string, allowed: string[], pathKnown = true): void {
  if (!pathKnown) throw notFound();
  if (!allowed.includes(method)) throw new ScimError(405, `${method} is not supported here`);
}

function notFound(): ScimError {
  return new ScimError(404, 'No such SCIM resource');
}

async function bodyOf(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(scim\+)?json\b/i.test(type)) {
    throw new ScimError(415, 'Send application/scim+json');
  }
  try {
    return JSON.parse(await request.text());
  } catch (error) {
    // A body cut at the size limit is the envelope's to answer (413).
    if ((error as Error | null)?.name === 'BodyTooLargeError') throw error;
    throw new ScimError(400, 'The body is not valid JSON', 'invalidSyntax');
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': scimContentType, 'cache-control': 'no-store', ...headers },
  });
}

function created(resource: Record<string, unknown>): Response {
  const location = (resource.meta as { location?: string } | undefined)?.location;
  return json(201, resource, location ? { location } : {});
}

/** SCIM refusals as they are; the product's own errors mapped to SCIM; anything else is a 500. */
function errorResponse(error: unknown, context: ScimRouteContext): Response {
  const scimError =
    error instanceof ScimError
      ? error
      : error instanceof NotFoundError
        ? new ScimError(404, error.message)
        : error instanceof ConflictError
          ? new ScimError(409, error.message, 'uniqueness')
          : error instanceof ValidationError
            ? new ScimError(400, error.message, 'invalidValue')
            : undefined;
  if (!scimError) throw error;
  if (scimError.status === 401) {
    context.logger.info(
      { event: 'scim_unauthenticated', requestId: context.requestId },
      'SCIM call without a valid token',
    );
  }
  return json(
    scimError.status,
    scimError.toJSON(),
    scimError.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
  );
}
