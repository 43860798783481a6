import type { DependencyContainer } from 'tsyringe';
import { AuthService } from '../auth/auth.service.ts';
import { PERMISSION_RESOLVER, type PermissionKey } from '../auth/permissions.ts';
import { type RequestContext, systemClock } from '../context/request-context.ts';
import { realmDbProvider } from '../database/realm-db-provider.ts';
import { REALM_DB } from '../database/tokens.ts';
import { createRequestContainer } from '../di/container.ts';
import { CLOCK, REQUEST_PERMISSIONS } from '../di/tokens.ts';
import { PermissionDeniedError } from '../errors/domain-errors.ts';
import { readBearerToken, readCookie, SESSION_COOKIE } from './cookies.ts';

/** What every guarded call works with: its own container, context and permissions. */
export interface RequestScope {
  container: DependencyContainer;
  context: RequestContext;
  permissions: ReadonlySet<string>;
  /** How the caller proved who they are: cookie-borne sessions need a same-origin check. */
  credential: 'session' | 'bearer';
  renewedToken?: { token: string; expiresAt: Date };
}

export interface RequestCredentials {
  headers: Headers;
  requestId: string;
}

/**
 * The check behind jwtGuard, for serverFns and tRPC alike: who is calling, in which
 * realm, with which permissions. Throws AuthenticationError when nobody is.
 */
export async function authenticateRequest(
  root: DependencyContainer,
  { headers, requestId }: RequestCredentials,
): Promise<RequestScope> {
  const bearerToken = readBearerToken(headers);
  const sessionToken = bearerToken ? undefined : readCookie(headers, SESSION_COOKIE);
  const auth = root.resolve(AuthService);
  const result = await auth.authenticate({ sessionToken, bearerToken });
  return openRequestScope(root, {
    context: {
      requestId,
      realm: result.realm,
      principal: result.principal,
      clock: root.isRegistered(CLOCK, true) ? root.resolve(CLOCK) : systemClock,
    },
    credential: bearerToken ? 'bearer' : 'session',
    renewedToken: result.renewedToken,
    policyEpoch: result.policyEpoch,
  });
}

/**
 * Builds the per-request container for an already authenticated principal. `policyEpoch`: the
 * realm's policy epoch as authentication read it, which spares the resolver a read of its own.
 */
export async function openRequestScope(
  root: DependencyContainer,
  options: Pick<RequestScope, 'context' | 'credential' | 'renewedToken'> & { policyEpoch?: bigint },
): Promise<RequestScope> {
  const { policyEpoch, ...scope } = options;
  const container = createRequestContainer(root, scope.context);
  container.register(REALM_DB, realmDbProvider);
  const permissions = await root
    .resolve(PERMISSION_RESOLVER)
    .permissionsOf(scope.context.principal, scope.context.realm, { policyEpoch });
  container.register(REQUEST_PERMISSIONS, { useValue: permissions });
  return { ...scope, container, permissions };
}

/** The check behind authGuard. */
export function requirePermission(scope: Pick<RequestScope, 'permissions'>, permission: PermissionKey): void {
  if (!scope.permissions.has(permission)) throw new PermissionDeniedError(permission);
}
