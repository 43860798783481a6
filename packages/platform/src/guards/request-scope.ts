import type { DependencyContainer } from 'tsyringe';
import { type Authenticated, AuthService } from '../auth/auth.service.ts';
import { asRequestPermissions, type RequestPermissions } from '../auth/coverage.ts';
import { FORWARDED_CALLS } from '../auth/forwarded-calls.ts';
import { PERMISSION_RESOLVER, type PermissionKey } from '../auth/permissions.ts';
import { type RequestContext, systemClock } from '../context/request-context.ts';
import { realmDbProvider } from '../database/realm-db-provider.ts';
import { REALM_DB } from '../database/tokens.ts';
import { createRequestContainer } from '../di/container.ts';
import { CLOCK, REQUEST_PERMISSIONS } from '../di/tokens.ts';
import { PermissionDeniedError } from '../errors/domain-errors.ts';
import { readBearerToken, readCookie, SESSION_COOKIE } from './cookies.ts';
import { REALM_HEADER } from './realm-header.ts';

/** What every guarded call works with: its own container, context and permissions. */
export interface RequestScope {
  container: DependencyContainer;
  context: RequestContext;
  /**
   * `has(permission)` decides whether the call may be made; `coverage(permission)` over which
   * identities (a permission held only through scoped grants passes `has`: ADR 0040).
   */
  permissions: RequestPermissions;
  /**
   * How the caller proved who they are: cookie-borne sessions need a same-origin check;
   * `forwarded`: a worker serving a call the hub forwarded for its user.
   */
  credential: 'session' | 'bearer' | 'forwarded';
  renewedToken?: { token: string; expiresAt: Date };
  /** The client's address, where the edge that opened the scope knows it: write limits count by it. */
  clientAddress?: string;
}

export interface RequestCredentials {
  headers: Headers;
  requestId: string;
  /** The realm named by the page URL when the request is a page render; the header wins over it. */
  pageRealm?: string;
}

/**
 * The check behind jwtGuard, for serverFns and tRPC alike: who is calling, in which
 * realm, with which permissions. Throws AuthenticationError when nobody is.
 */
export async function authenticateRequest(
  root: DependencyContainer,
  { headers, requestId, pageRealm }: RequestCredentials,
): Promise<RequestScope> {
  const result = await authenticateCredentials(root, headers, headers.get(REALM_HEADER) || pageRealm);
  return openRequestScope(root, {
    context: {
      requestId,
      realm: result.realm,
      principal: result.principal,
      clock: root.isRegistered(CLOCK, true) ? root.resolve(CLOCK) : systemClock,
    },
    credential: result.credential,
    renewedToken: result.renewedToken,
    policyEpoch: result.policyEpoch,
  });
}

/**
 * A worker knows no sessions or API tokens: only the hub's forward tokens (ADR 0029). The hub
 * takes an API token (preferred when both are present) or its session cookie.
 */
async function authenticateCredentials(
  root: DependencyContainer,
  headers: Headers,
  realmSlug: string | undefined,
): Promise<Authenticated & { credential: RequestScope['credential'] }> {
  if (root.isRegistered(FORWARDED_CALLS, true)) {
    return { ...(await root.resolve(FORWARDED_CALLS).authenticate(headers)), credential: 'forwarded' };
  }
  const bearerToken = readBearerToken(headers);
  const sessionToken = bearerToken ? undefined : readCookie(headers, SESSION_COOKIE);
  const result = await root.resolve(AuthService).authenticate({ sessionToken, bearerToken, realmSlug });
  return { ...result, credential: bearerToken ? 'bearer' : 'session' };
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
  const permissions = asRequestPermissions(
    await root
      .resolve(PERMISSION_RESOLVER)
      .permissionsOf(scope.context.principal, scope.context.realm, { policyEpoch }),
  );
  container.register(REQUEST_PERMISSIONS, { useValue: permissions });
  return { ...scope, container, permissions };
}

/** The check behind authGuard. */
export function requirePermission(
  scope: { permissions: ReadonlySet<string> },
  permission: PermissionKey,
): void {
  if (!scope.permissions.has(permission)) throw new PermissionDeniedError(permission);
}
