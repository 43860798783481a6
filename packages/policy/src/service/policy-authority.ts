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
import type { PolicyEdit, PolicyState } from './policy-state.ts';

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

/** The permission every realm administrator holds through an unscoped grant, to find them by. */
const administration = 'policy:admin';

/**
 * Some member holds every permission of the catalogue, each through an unscoped grant. Only the
 * members an unscoped live assignment of policy:admin reaches can: those are weighed, one at a
 * time until one qualifies, not every member of the realm.
 */
export function hasRealmAdmin(state: PolicyState, now: Date): boolean {
  const all = permissionCatalogue().map((p) => p.key);
  const key = all.includes(administration) ? administration : all[0];
  // An empty catalogue asks nothing of an administrator: any member is one.
  if (key === undefined) return state.members.size > 0;
  for (const userId of realmAdminCandidates(state, key, now)) {
    const held = effectiveAccess(state, userId, now).permissions;
    // Scoped grants do not make a realm administrator: every permission must reach every identity.
    if (all.every((permission) => held.get(permission)?.some((grant) => grant.scopeGroupId === null)))
      return true;
  }
  return false;
}

/**
 * Every member a live unscoped assignment giving `key` reaches (and maybe a few more), each once.
 * Realm admins are usually the built-in Administrators: they come first, before the tree is searched.
 */
function* realmAdminCandidates(state: PolicyState, key: string, now: Date): Generator<string> {
  const seen = new Set<string>();
  function* membersBelow(groupId: string): Generator<string> {
    for (const id of state.subtreeOf(groupId))
      for (const userId of state.membersOfGroup.get(id) ?? []) {
        if (seen.has(userId)) continue;
        seen.add(userId);
        yield userId;
      }
  }
  for (const group of state.groups.values()) if (group.builtInRole === 'admin') yield* membersBelow(group.id);
  const granting = new Set(
    [...state.policies.values()].filter((policy) => policy.permissions.has(key)).map((policy) => policy.id),
  );
  for (const [groupId, assignments] of state.assignmentsByGroup) {
    const gives = assignments.some(
      (a) => a.scopeGroupId === null && granting.has(a.policyId) && state.isActive(a, now),
    );
    if (gives) yield* membersBelow(groupId);
  }
}

/**
 * Whether applying the edits can take a grant away from anyone. Grants only add up (there are no
 * deny rules), so a new group, membership, assignment or policy, or a policy gaining permissions,
 * leaves everyone's access as it was or wider: such a change needs no last-admin or lockout check.
 */
export function takesAccessAway(before: PolicyState, edits: readonly PolicyEdit[]): boolean {
  return edits.some((edit) => {
    switch (edit.kind) {
      case 'group.add':
      case 'member.add':
      case 'assignment.add':
        return false;
      case 'policy.put': {
        const was = before.policies.get(edit.policy.id);
        return was !== undefined && [...was.permissions].some((p) => !edit.policy.permissions.has(p));
      }
      default:
        return true;
    }
  });
}

/**
 * Checked on the state after a change, inside its transaction: a realm that had a member holding
 * every permission keeps one, and the actor keeps policy:admin. Only a change that takes a grant
 * away can break either (`takesAccessAway`); the change calls this for those.
 */
export function requireSafeOutcome(
  before: PolicyState,
  after: PolicyState,
  principal: Principal,
  now: Date,
): void {
  // Before first: in a realm that has no such administrator there is nothing to keep.
  if (hasRealmAdmin(before, now) && !hasRealmAdmin(after, now))
    throw new ConflictError(
      'This change would leave the realm without an administrator holding every permission',
    );
  if (principal.kind === 'system') return;
  if (!effectiveAccess(after, principal.userId, now).permissions.has('policy:admin'))
    throw new ConflictError('This change would take policy administration away from you');
}
