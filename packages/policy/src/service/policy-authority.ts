import {
  ConflictError,
  coversOwner,
  DomainError,
  narrowToToken,
  PermissionDeniedError,
  type Principal,
  permissionCatalogue,
} from '@nhi/platform';
import { coverageOf, type EffectiveAccess, effectiveAccess, type Grant } from './policy-engine.ts';
import type { PolicyState } from './policy-state.ts';

/** A policy administrator acting outside what they administer, or granting more than they hold. */
export class PolicyAdministrationDenied extends DomainError {
  readonly code = 'FORBIDDEN';
}

/**
 * What an actor may administer: the whole realm (system code, or policy:admin held through a
 * built-in group) or the subtrees of the groups whose assignments give them policy:admin.
 */
export interface Authority {
  permissions: ReadonlySet<string>;
  realmWide: boolean;
  scopeRoots: ReadonlySet<string>;
  /** The actor's grants, to weigh the scopes they hold permissions over; null for system code (all). */
  access: EffectiveAccess | null;
}

export function authorityOf(state: PolicyState, principal: Principal, now: Date): Authority {
  if (principal.kind === 'system') {
    return {
      permissions: new Set(permissionCatalogue().map((p) => p.key)),
      realmWide: true,
      scopeRoots: new Set(),
      access: null,
    };
  }
  const access = effectiveAccess(state, principal.userId, now);
  const permissions = narrowToToken(principal, new Set(access.permissions.keys()));
  if (!permissions.has('policy:admin')) throw new PermissionDeniedError('policy:admin');
  const grants = access.permissions.get('policy:admin') ?? [];
  // policy:admin is not scopable, so a scoped grant never gives it; should it ever, it must not
  // administer the realm.
  const realmWide = grants.some(
    (grant) => grant.scopeGroupId === null && state.groups.get(grant.assignedGroupId)?.builtInRole,
  );
  return {
    permissions,
    realmWide,
    scopeRoots: new Set(grants.map((grant) => grant.assignedGroupId)),
    access,
  };
}

export function inScope(state: PolicyState, authority: Authority, groupId: string): boolean {
  if (authority.realmWide) return true;
  return state.pathOf(groupId).some((id) => authority.scopeRoots.has(id));
}

export function requireInScope(state: PolicyState, authority: Authority, groupId: string): void {
  if (!inScope(state, authority, groupId)) {
    throw new PolicyAdministrationDenied(
      `You administer only your own groups' subtrees; ${state.groups.get(groupId)?.name ?? groupId} is outside them`,
      { groupId },
    );
  }
}

/** Nobody grants what they do not hold. */
export function requireHolds(authority: Authority, permissions: Iterable<string>): void {
  const missing = [...permissions].filter((p) => !authority.permissions.has(p)).sort();
  if (missing.length > 0) {
    throw new PolicyAdministrationDenied(
      `You cannot grant permissions you do not hold: ${missing.join(', ')}`,
      {
        missing,
      },
    );
  }
}

/**
 * Nobody grants more than they hold, scope included: a grant scoped to a group needs the actor to
 * hold each permission over that group's subtree, an unscoped grant needs them to hold it realm-wide.
 */
export function requireHoldsOver(
  state: PolicyState,
  authority: Authority,
  permissions: Iterable<string>,
  scopeGroupId: string | null,
): void {
  requireHolds(authority, permissions);
  if (authority.access === null) return;
  const access = authority.access;
  const narrower = [...permissions]
    .filter((permission) => {
      const coverage = coverageOf(state, access, permission);
      return scopeGroupId === null ? coverage.kind !== 'all' : !coversOwner(coverage, scopeGroupId);
    })
    .sort();
  if (narrower.length > 0) {
    const where =
      scopeGroupId === null ? 'the whole realm' : (state.groups.get(scopeGroupId)?.name ?? scopeGroupId);
    throw new PolicyAdministrationDenied(
      `You hold ${narrower.join(', ')} only over narrower scopes, not over ${where}`,
      { missing: narrower },
    );
  }
}

/** What joining a group gives, by scope: each scope's permissions the actor must hold over it. */
export function requireHoldsWhatGroupGives(
  state: PolicyState,
  authority: Authority,
  given: ReadonlyMap<string, readonly Grant[]>,
): void {
  const byScope = new Map<string | null, Set<string>>();
  for (const [permission, grants] of given) {
    for (const grant of grants) {
      const set = byScope.get(grant.scopeGroupId) ?? new Set();
      set.add(permission);
      byScope.set(grant.scopeGroupId, set);
    }
  }
  for (const [scopeGroupId, permissions] of byScope)
    requireHoldsOver(state, authority, permissions, scopeGroupId);
}

/** Some member holds every permission of the catalogue. */
export function hasRealmAdmin(state: PolicyState, now: Date): boolean {
  const all = permissionCatalogue().map((p) => p.key);
  // Realm admins are usually in the built-in Administrators group: look there first.
  const administrators = [...state.groups.values()].find((group) => group.builtInRole === 'admin');
  const likely = administrators ? [...(state.membersOfGroup.get(administrators.id) ?? [])] : [];
  return [...new Set([...likely, ...state.members.keys()])].some((userId) => {
    const held = effectiveAccess(state, userId, now).permissions;
    // Scoped grants do not make a realm administrator: every permission must reach every identity.
    return all.every((permission) => held.get(permission)?.some((grant) => grant.scopeGroupId === null));
  });
}

/**
 * Checked on the state after a change, inside its transaction: a realm that had a member holding
 * every permission keeps one, and the actor keeps policy:admin.
 */
export function requireSafeOutcome(
  before: PolicyState,
  after: PolicyState,
  principal: Principal,
  now: Date,
): void {
  // Before first: in a realm that has no such administrator (each check then weighs every member),
  // there is nothing to keep and the outcome needs no search.
  if (hasRealmAdmin(before, now) && !hasRealmAdmin(after, now))
    throw new ConflictError(
      'This change would leave the realm without an administrator holding every permission',
    );
  if (principal.kind === 'system') return;
  if (!effectiveAccess(after, principal.userId, now).permissions.has('policy:admin'))
    throw new ConflictError('This change would take policy administration away from you');
}
