import type { RequestScope } from '../guards/request-scope.ts';
import { apiTokenExpiry, type CreateApiTokenInput, type RevokeApiTokenInput } from './api-tokens.schema.ts';
import { ApiTokenService, type CreatedApiToken } from './api-tokens.service.ts';
import { permissionCatalogue } from './permissions.ts';

export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

/** A token as its owner sees it in a list: never the token itself, nor its hash. */
export interface MyApiToken {
  id: string;
  name: string;
  prefix: string;
  permissions: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: ApiTokenStatus;
}

/** A permission a new token may be narrowed to, as the create form offers it. */
export interface GrantablePermission {
  key: string;
  description: string;
}

type Scope = Pick<RequestScope, 'container' | 'context'>;

export function apiTokenStatus(
  token: { expiresAt: Date | null; revokedAt: Date | null },
  now: Date,
): ApiTokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt <= now) return 'expired';
  return 'active';
}

/**
 * The caller's own tokens in the request's realm. The one adapter between the API's input
 * and ApiTokenService, shared by tRPC procedures and the hub's serverFns.
 */
export async function listMyApiTokens(scope: Scope): Promise<MyApiToken[]> {
  const now = scope.context.clock.now();
  const tokens = await scope.container.resolve(ApiTokenService).list();
  return tokens.map(({ userId: _owner, ...token }) => ({ ...token, status: apiTokenStatus(token, now) }));
}

export function createMyApiToken(scope: Scope, input: CreateApiTokenInput): Promise<CreatedApiToken> {
  return scope.container.resolve(ApiTokenService).create({
    name: input.name,
    expiresAt: apiTokenExpiry(input, scope.context.clock.now()),
    permissions: input.permissions,
  });
}

/** Another user's token, or one of another realm, is NOT_FOUND: its existence is not disclosed. */
export async function revokeMyApiToken(scope: Scope, input: RevokeApiTokenInput): Promise<{ id: string }> {
  await scope.container.resolve(ApiTokenService).revoke(input.id);
  return { id: input.id };
}

/** What a new token may be narrowed to: never more than the caller holds in the realm. */
export function grantablePermissionsOf(scope: Pick<RequestScope, 'permissions'>): GrantablePermission[] {
  return permissionCatalogue()
    .filter(({ key }) => scope.permissions.has(key))
    .map(({ key, description }) => ({ key, description }));
}
