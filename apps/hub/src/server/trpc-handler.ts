import { type Logger, RateLimitedError, wireFormatOf, withWireFormat } from '@nhi/platform';
import type { AnyTRPCRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { DependencyContainer } from 'tsyringe';

export const trpcEndpoint = '/api/trpc';

export interface TrpcHandlerDeps {
  root: DependencyContainer;
  logger: Logger;
  router: AnyTRPCRouter;
  requestId: string;
  /** The client's address, for write limits. */
  clientAddress?: string;
}

/**
 * /api/trpc over the fetch adapter. Authentication, the same-origin check for cookie
 * sessions and permissions run inside each procedure (platform's tRPC guards). Plain JSON
 * unless the client asks for superjson (ADR 0027).
 */
export function handleTrpcRequest(request: Request, deps: TrpcHandlerDeps): Promise<Response> {
  return withWireFormat(wireFormatOf(request.headers), () => respond(request, deps));
}

function respond(request: Request, deps: TrpcHandlerDeps): Promise<Response> {
  return fetchRequestHandler({
    endpoint: trpcEndpoint,
    req: request,
    router: deps.router,
    // The hub forwards queries as POST: their inputs outgrow a URL.
    allowMethodOverride: true,
    createContext: ({ req, resHeaders }) => ({
      root: deps.root,
      requestId: deps.requestId,
      req,
      resHeaders,
      clientAddress: deps.clientAddress,
    }),
    responseMeta({ errors }) {
      // A refused change says when to come back, as HTTP clients and proxies read it.
      const limited = errors.map((error) => error.cause).find((cause) => cause instanceof RateLimitedError);
      return limited ? { headers: new Headers({ 'retry-after': String(limited.retryAfterSeconds) }) } : {};
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        deps.logger.error(
          { err: error.cause ?? error, path, requestId: deps.requestId },
          'tRPC procedure failed',
        );
      }
    },
  });
}
