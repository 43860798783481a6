import { defaultRealmSlug } from '../auth/auth.service.ts';
import { PermissionDeniedError } from '../errors/domain-errors.ts';
import type { RequestScope } from '../guards/request-scope.ts';

type Scope = Pick<RequestScope, 'context' | 'permissions'>;

/**
 * The hub is administered from its `hub` realm: `instance:read` counts only there, so the admin
 * of any other realm, who holds every key of that realm, sees no instances. An API token is bound
 * to its realm, so one made in another realm never reaches them either.
 */
export function mayReadInstances(scope: Scope): boolean {
  return scope.context.realm.slug === defaultRealmSlug && scope.permissions.has('instance:read');
}

export function requireInstanceReader(scope: Scope): void {
  if (!mayReadInstances(scope)) throw new PermissionDeniedError('instance:read');
}
