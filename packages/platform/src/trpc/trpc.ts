import { initTRPC, TRPCError } from '@trpc/server';
import type { DependencyContainer } from 'tsyringe';
import { ZodError } from 'zod';
import { CONFIG } from '../di/tokens.ts';
import { isDomainError } from '../errors/domain-errors.ts';
import { isHttpsRequest, serializeSessionCookie } from '../guards/cookies.ts';
import { authenticateRequest, type RequestScope, requirePermission } from '../guards/request-scope.ts';
import { isSameOriginRequest } from '../guards/same-origin.ts';
import { domainDetailsOf, toTrpcError } from './trpc-errors.ts';

export interface TrpcContext {
  root: DependencyContainer;
  requestId: string;
  req: Request;
  resHeaders: Headers;
}

/** Every procedure states the permission it needs; the router-enumeration test checks it. */
export interface ProcedureMeta {
  permission: string;
}

const t = initTRPC
  .context<TrpcContext>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      return {
        ...shape,
        data: {
          ...shape.data,
          stack: undefined,
          zodIssues: error.cause instanceof ZodError ? error.cause.issues : undefined,
          details: domainDetailsOf(error.cause),
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const mergeRouters = t.mergeRouters;

const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) throw toTrpcError(result.error.cause);
  return result;
});

/** jwtGuard for tRPC: the same check serverFns run, plus same-origin for cookie sessions. */
const jwtGuard = t.middleware(async ({ ctx, next }) => {
  let scope: RequestScope;
  try {
    scope = await authenticateRequest(ctx.root, { headers: ctx.req.headers, requestId: ctx.requestId });
  } catch (error) {
    if (isDomainError(error)) throw toTrpcError(error);
    throw error;
  }
  const config = ctx.root.resolve(CONFIG);
  if (
    scope.credential === 'session' &&
    !isSameOriginRequest(ctx.req.headers, ctx.req.url, config.NHI_TRUST_PROXY)
  ) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Cross-origin request refused' });
  }
  if (scope.renewedToken) {
    const secure = isHttpsRequest(ctx.req.headers, ctx.req.url, config.NHI_TRUST_PROXY);
    ctx.resHeaders.append(
      'set-cookie',
      serializeSessionCookie(scope.renewedToken.token, scope.renewedToken.expiresAt, { secure }),
    );
  }
  return next({ ctx: { scope } });
});

const authGuard = jwtGuard.unstable_pipe(async ({ ctx, meta, next }) => {
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
export function authorizedProcedure(permission: string) {
  return t.procedure.meta({ permission }).use(mapDomainErrors).use(authGuard);
}
