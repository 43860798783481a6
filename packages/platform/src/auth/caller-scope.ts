import type { RequestContext } from '../context/request-context.ts';
import type { RealmDb } from '../database/realm-db.ts';
import { groupNamesOf, type NamedGroup } from './caller-scope.sql.ts';
import type { RequestPermissions } from './coverage.ts';

/**
 * The teams a scoped caller sees the identities of (the scopes of their `nhi:read` grants), for
 * pages to name in their header ("Scope: Payments"). Absent for a caller who sees the whole realm.
 */
export interface CallerScope {
  groups: NamedGroup[];
}

/**
 * The caller's scope, or undefined when their `nhi:read` reaches the whole realm (or is not held):
 * one statement, only for a scoped caller.
 */
export async function callerScopeOf(
  permissions: RequestPermissions,
  context: Pick<RequestContext, 'realm'>,
  db: Pick<RealmDb, 'read'>,
): Promise<CallerScope | undefined> {
  const coverage = permissions.coverage('nhi:read');
  if (coverage.kind !== 'groups') return undefined;
  const groups = await db.read((query) => groupNamesOf(query, context.realm.id, coverage.scopeGroupIds));
  return { groups };
}
