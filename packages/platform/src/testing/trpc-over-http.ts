import type { AnyRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { DependencyContainer } from 'tsyringe';
import { router } from '../rpc/trpc.ts';

export interface TrpcAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  body: any;
}

/**
 * A domain's router mounted as the hub mounts it (`<namespace>.<procedure>` under /api/trpc) and a
 * client of it: `call(bearer, path, input)` sends a query as GET and a mutation as POST with the
 * API token, as any caller of the API would, through the guard and the error mapping.
 */
export function trpcOverHttp(root: DependencyContainer, namespace: string, domainRouter: AnyRouter) {
  const appRouter = router({ [namespace]: domainRouter });
  const procedures = domainRouter._def.procedures as Record<string, { _def: { type: string } }>;
  return async function call(bearer: string, path: string, input: unknown = {}): Promise<TrpcAnswer> {
    const type = procedures[path]?._def.type;
    if (!type) throw new Error(`No procedure ${namespace}.${path}`);
    const url = `http://hub.test/api/trpc/${namespace}.${path}`;
    const request =
      type === 'query'
        ? new Request(`${url}?input=${encodeURIComponent(JSON.stringify(input))}`, {
            headers: { authorization: `Bearer ${bearer}` },
          })
        : new Request(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
            body: JSON.stringify(input),
          });
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: request,
      router: appRouter,
      createContext: ({ req, resHeaders }) => ({ root, requestId: 'req-http', req, resHeaders }),
    });
    return { status: response.status, body: await response.json() };
  };
}
