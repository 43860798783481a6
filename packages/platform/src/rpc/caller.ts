import { createTRPCClient, localLink, type TRPCClient, type TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import type { DependencyContainer } from 'tsyringe';
import type { RequestScope } from '../guards/request-scope.ts';
import { localRouting, REALM_ROUTING, type RealmRouting } from './routing.ts';
import { wireTransformer } from './wire-format.ts';

/** A typed client of `router` for one request: `caller.nhi.list.query(input)`. */
export type Caller<TRouter extends AnyRouter> = TRPCClient<TRouter>;

/**
 * Runs procedures for a request whose scope is already open (authenticated, realm and
 * permissions resolved): the procedure's own guards take that scope as it is, so nothing is
 * authenticated twice. Each call goes where the realm's route says; in this process, values
 * pass untouched (no serialization), and errors arrive as TRPCClientError with their cause.
 */
export function createCaller<TRouter extends AnyRouter>(
  router: TRouter,
  root: DependencyContainer,
  scope: RequestScope,
): Caller<TRouter> {
  return createTRPCClient<TRouter>({ links: [routedLink(router, root, scope)] });
}

function routingOf(root: DependencyContainer): RealmRouting {
  return root.isRegistered(REALM_ROUTING, true) ? root.resolve(REALM_ROUTING) : localRouting;
}

function routedLink<TRouter extends AnyRouter>(
  router: TRouter,
  root: DependencyContainer,
  scope: RequestScope,
): TRPCLink<TRouter> {
  const local = localLink<AnyRouter>({
    router,
    transformer: wireTransformer,
    createContext: async () => ({ root, requestId: scope.context.requestId, scope }),
  });
  const routing = routingOf(root);
  return (runtime) => {
    const inProcess = local(runtime);
    return (operation) => {
      const route = routing.routeOf(scope.context.realm);
      return route.kind === 'local' ? inProcess(operation) : route.link(runtime)(operation);
    };
  };
}
