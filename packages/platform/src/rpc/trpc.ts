import { initTRPC, TRPCError } from '@trpc/server';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import type { DependencyContainer } from 'tsyringe';
import { ZodError } from 'zod';
import type { PermissionKey } from '../auth/permissions.ts';
import { WriteThrottle } from '../auth/write-throttle.ts';
import { inputErrorOf, sqlStateOf } from '../database/database-errors.ts';
import { cancellationErrorOf } from '../database/work-scope.ts';
import { CONFIG, LOGGER } from '../di/tokens.ts';
import { isDomainError, UnavailableError } from '../errors/domain-errors.ts';
import { isHttpsRequest, serializeSessionCookie } from '../guards/cookies.ts';
import { authenticateRequest, type RequestScope, requirePermission } from '../guards/request-scope.ts';
import { isSameOriginRequest } from '../guards/same-origin.ts';
import { assertSafeText } from '../input/text-safety.ts';
import { ForwardedError, InstanceForwarder } from '../instances/instance-forwarder.ts';
import { annotateActiveSpan, inSpan, markFailed } from '../tracing/spans.ts';
import { domainDetailsOf, originOf, toTrpcError } from './trpc-errors.ts';
import { currentWireFormat, wireTransformer } from './wire-format.ts';

/**
 * Over HTTP a call brings its request (credentials, origin) and the response headers (a renewed
 * session cookie). Through the hub's caller it brings the scope its serverFn's guards already
 * opened instead: one authentication per request, whichever way the procedure is reached.
 */
export interface TrpcContext {
  root: DependencyContainer;
  requestId: string;
  req?: Request;
  resHeaders?: Headers;
  scope?: RequestScope;
  /** The client's address over HTTP (behind a trusted proxy, the one it forwarded), for write limits. */
  clientAddress?: string;
}

/** Every procedure states the permission it needs; the router-enumeration test checks it. */
export interface ProcedureMeta {
  permission: PermissionKey;
  /** Top-level input fields holding an uploaded file's text, checked row by row by its parser. */
  fileFields?: readonly string[];
  /**
   * Runs on the hub whatever realm the caller is in: it reads or changes what the hub alone
   * keeps (sessions, API tokens, the realm list). Every other procedure of a realm placed on a
   * worker instance is forwarded there (ADR 0029).
   */
  hubOnly?: boolean;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
    transformer: wireTransformer,
    errorFormatter({ shape, error, ctx }) {
      // The cause of a 500 (database text, stack) goes to the log with the request id, never to the caller.
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        return {
          ...shape,
          message: `Internal error (request ${ctx?.requestId ?? 'unknown'})`,
          data: { ...shape.data, stack: undefined },
        };
      }
      return {
        ...shape,
        data: {
          ...shape.data,
          stack: undefined,
          zodIssues: zodIssuesOf(error.cause),
          details: domainDetailsOf(error.cause),
        },
      };
    },
  });

/** A schema's issues, raised here or by the worker a call was forwarded to. */
function zodIssuesOf(cause: unknown): unknown[] | undefined {
  if (cause instanceof ZodError) return cause.issues;
  if (cause instanceof ForwardedError) return cause.zodIssues;
  return undefined;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const mergeRouters = t.mergeRouters;

/**
 * A span per procedure, outermost so its outcome is the code the caller gets. The realm is added
 * once the call is authenticated (routeToInstance); inputs and credentials are never recorded.
 */
const traceProcedure = t.middleware(({ ctx, path, type, next }) =>
  inSpan(
    `trpc ${path}`,
    {
      attributes: {
        'rpc.system': 'trpc',
        'rpc.method': path,
        'nhi.procedure.type': type,
        ...(ctx.scope ? { 'nhi.realm.id': ctx.scope.context.realm.id } : {}),
      },
    },
    async (span) => {
      const result = await next();
      span.setAttribute('nhi.outcome', result.ok ? 'ok' : result.error.code);
      if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') markFailed(span, result.error.cause);
      return result;
    },
  ),
);

const mapDomainErrors = t.middleware(async ({ ctx, path, next }) => {
  const result = await next();
  if (result.ok) return result;
  // A procedure composed of others (through the caller) fails with what the inner one threw.
  const cause = originOf(result.error.cause);
  if (isDomainError(cause)) throw toTrpcError(cause);
  if (cause instanceof TRPCError) throw cause;
  // A statement past its timeout, or cancelled because the client left: 503, not PostgreSQL's text.
  const stopped = cancellationErrorOf(cause);
  if (stopped) throw toTrpcError(stopped);
  const refused = inputErrorOf(cause);
  if (refused) {
    // A value the input checks let through and the database refused: worth a look, not a 500.
    ctx.root
      .resolve(LOGGER)
      .warn(
        { path, requestId: ctx.requestId, sqlState: sqlStateOf(cause) },
        'database refused an input value',
      );
    throw toTrpcError(refused);
  }
  return result;
});

/**
 * Before the input's schema runs: text the database cannot store (NUL, lone surrogates) and
 * absurd nesting are refused with the field's path, whatever the procedure's schema says.
 */
const textSafety = t.middleware(async ({ meta, getRawInput, next }) => {
  assertSafeText(await getRawInput(), { fileFields: meta?.fileFields });
  return next();
});

/** jwtGuard for tRPC: the same check serverFns run, plus same-origin for cookie sessions. */
const jwtGuard = t.middleware(async ({ ctx, next }) => {
  if (ctx.scope) return next({ ctx: { scope: ctx.scope } });
  const { req, resHeaders } = ctx;
  if (!req || !resHeaders) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'A call with neither request nor scope' });
  }
  let scope: RequestScope;
  try {
    scope = await authenticateRequest(ctx.root, { headers: req.headers, requestId: ctx.requestId });
  } catch (error) {
    if (isDomainError(error)) throw toTrpcError(error);
    throw error;
  }
  const config = ctx.root.resolve(CONFIG);
  if (scope.credential === 'session' && !isSameOriginRequest(req.headers, req.url, config.NHI_TRUST_PROXY)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-origin request refused' });
  }
  if (scope.renewedToken) {
    const secure = isHttpsRequest(req.headers, req.url, config.NHI_TRUST_PROXY);
    resHeaders.append(
      'set-cookie',
      serializeSessionCookie(scope.renewedToken.token, scope.renewedToken.expiresAt, { secure }),
    );
  }
  return next({ ctx: { scope } });
});

/**
 * routingMiddleware: a call for a realm a worker instance serves goes there, as the same
 * procedure with its raw input, before this process checks a permission it has no policy data
 * for; the worker runs this very guard against its own. Whether the call came over HTTP (an API
 * token) or through the hub's caller (a serverFn), it takes this one way.
 */
/**
 * Every change counts against the caller's and its address's write limits (WriteThrottle), here
 * on the hub before it is forwarded: a worker serving a forwarded call does not count it again.
 */
const writeLimit = jwtGuard.unstable_pipe(async ({ ctx, type, next }) => {
  if (
    type !== 'mutation' ||
    ctx.scope.credential === 'forwarded' ||
    !ctx.root.isRegistered(WriteThrottle, true)
  )
    return next();
  try {
    await ctx.root
      .resolve(WriteThrottle)
      .consume(ctx.scope.context.principal, ctx.clientAddress ?? ctx.scope.clientAddress);
  } catch (error) {
    if (isDomainError(error)) throw toTrpcError(error);
    throw error;
  }
  return next();
});

const routeToInstance = writeLimit.unstable_pipe(async ({ ctx, meta, path, type, getRawInput, next }) => {
  const { realm } = ctx.scope.context;
  annotateActiveSpan({
    'nhi.realm.id': realm.id,
    ...(realm.placement ? { 'nhi.instance': realm.placement.instance } : {}),
  });
  // A realm being copied elsewhere takes no change, here or at its worker: the copy would miss it.
  if (realm.movingTo && type === 'mutation') throw toTrpcError(realmMovingError(realm.slug));
  if (!isForwarded(ctx.scope, meta)) return next();
  if (type === 'subscription') throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED' });
  const data = await ctx.root
    .resolve(InstanceForwarder)
    .call(
      ctx.scope,
      { type, path, input: await getRawInput() },
      { signal: ctx.req?.signal, wire: ctx.req ? currentWireFormat() : undefined },
    );
  // The worker's answer is this procedure's result: nothing here runs after it.
  return { ok: true as const, data, marker: middlewareMarker };
});

/** The refusal of a change to a realm while `nhi realm move` copies it. */
export function realmMovingError(slug: string): UnavailableError {
  return new UnavailableError(`Realm ${slug} is being moved; try again in a moment`, { realm: slug });
}

/** Whether a call in `scope` runs on the worker instance that serves its realm. */
export function isForwarded(scope: Pick<RequestScope, 'context'>, meta: ProcedureMeta | undefined): boolean {
  return scope.context.realm.placement !== undefined && !meta?.hubOnly;
}

const authGuard = routeToInstance.unstable_pipe(async ({ ctx, meta, next }) => {
  if (!meta?.permission) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Procedure declares no permission' });
  }
  try {
    requirePermission(ctx.scope, meta.permission);
  } catch (error) {
    if (isDomainError(error)) throw toTrpcError(error);
    throw error;
  }
  return next();
});

/**
 * The only way to build a procedure: it names the permission it needs, and runs behind
 * jwtGuard and authGuard. Handlers resolve services from `ctx.scope.container`.
 */
export function authorizedProcedure(
  permission: PermissionKey,
  options: Omit<ProcedureMeta, 'permission'> = {},
) {
  return t.procedure
    .meta({ permission, ...options })
    .use(traceProcedure)
    .use(mapDomainErrors)
    .use(authGuard)
    .use(textSafety);
}
