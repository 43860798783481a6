import { allCoverage, type Coverage, isScopablePermission, noCoverage } from '@nhi/platform';
import type { AssignmentNode, PolicyState } from './policy-state.ts';

/** One reason a user holds a permission: an assignment on a group, reached through the user's group. */
export interface Grant {
  assignmentId: string;
  policyId: string;
  policyName: string;
  /** The group the assignment is on. */
  assignedGroupId: string;
  /** The user's own group the assignment reaches through inheritance (or the same group). */
  memberGroupId: string;
  /** Group names from the assigned group down to the member group. */
  path: string[];
  expiresAt: Date | null;
  /** Null: the grant covers every identity of the realm. Else the group whose subtree's identities it covers. */
  scopeGroupId: string | null;
  /** Group names from the root down to the scope group; null when unscoped. */
  scopePath: string[] | null;
}

export interface EffectiveAccess {
  permissions: ReadonlyMap<string, readonly Grant[]>;
  /** The earliest expiry among the grants: the answer must be recomputed from then on. */
  validUntil: number;
  /** Coverage per permission, computed when first asked: it lives as long as this answer. */
  coverages?: Map<string, Coverage>;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
}

function grantsOf(state: PolicyState, memberGroupId: string, now: Date, into: Map<string, Grant[]>) {
  const path = state.pathOf(memberGroupId);
  let validUntil = Number.POSITIVE_INFINITY;
  for (let level = 0; level < path.length; level += 1) {
    const assignedGroupId = path[level] as string;
    for (const assignment of state.assignmentsByGroup.get(assignedGroupId) ?? []) {
      if (!state.isActive(assignment, now)) continue;
      const policy = state.policies.get(assignment.policyId);
      if (!policy) continue;
      if (assignment.expiresAt) validUntil = Math.min(validUntil, assignment.expiresAt.getTime());
      const grant = grantOf(state, assignment, policy.name, memberGroupId, path.slice(level));
      for (const permission of policy.permissions) {
        if (!givesPermission(assignment, permission)) continue;
        const list = into.get(permission) ?? [];
        list.push(grant);
        into.set(permission, list);
      }
    }
  }
  return validUntil;
}

/** A scoped assignment gives only the permissions whose consumers filter by coverage. */
export function givesPermission(assignment: AssignmentNode, permission: string): boolean {
  return assignment.scopeGroupId === null || isScopablePermission(permission);
}

function grantOf(
  state: PolicyState,
  assignment: AssignmentNode,
  policyName: string,
  memberGroupId: string,
  pathFromAssigned: readonly string[],
): Grant {
  const scope = assignment.scopeGroupId;
  return {
    assignmentId: assignment.id,
    policyId: assignment.policyId,
    policyName,
    assignedGroupId: assignment.groupId,
    memberGroupId,
    path: state.namesOf(pathFromAssigned),
    expiresAt: assignment.expiresAt,
    scopeGroupId: scope,
    scopePath: scope === null ? null : state.namesOf(state.pathOf(scope)),
  };
}

/** Whether a grant reaches an identity owned by `ownerGroupId` (null: unowned, reached only unscoped). */
export function grantCovers(
  state: PolicyState,
  scopeGroupId: string | null,
  ownerGroupId: string | null,
): boolean {
  if (scopeGroupId === null) return true;
  return ownerGroupId !== null && state.isWithin(ownerGroupId, scopeGroupId);
}

/**
 * Over which identities the user's grants of a permission reach: all when one grant is unscoped,
 * else the union of the scope groups' subtrees. Memoised on the cached answer, which expires with
 * its earliest grant, so an expired scoped grant stops covering at the same moment it stops granting.
 */
export function coverageOf(state: PolicyState, access: EffectiveAccess, permission: string): Coverage {
  const known = access.coverages?.get(permission);
  if (known) return known;
  const coverage = computeCoverage(state, access.permissions.get(permission) ?? []);
  access.coverages ??= new Map();
  access.coverages.set(permission, coverage);
  return coverage;
}

function computeCoverage(state: PolicyState, grants: readonly Grant[]): Coverage {
  if (grants.length === 0) return noCoverage;
  if (grants.some((grant) => grant.scopeGroupId === null)) return allCoverage;
  const scopes = [...new Set(grants.map((grant) => grant.scopeGroupId as string))];
  // A scope inside another one adds nothing: keep the outermost roots only.
  const roots = scopes.filter(
    (scope) => !scopes.some((other) => other !== scope && state.isWithin(scope, other)),
  );
  const groupIds = new Set<string>();
  for (const root of roots) for (const id of state.subtreeOf(root)) groupIds.add(id);
  return {
    kind: 'groups',
    groupIds: Object.freeze([...groupIds].sort()),
    scopeGroupIds: Object.freeze(roots.sort()),
  };
}

/** The union of every active assignment on the user's groups and their ancestors. */
export function effectiveAccess(state: PolicyState, userId: string, now: Date): EffectiveAccess {
  const permissions = new Map<string, Grant[]>();
  let validUntil = Number.POSITIVE_INFINITY;
  if (!state.members.has(userId)) return { permissions, validUntil };
  for (const groupId of state.groupsOfUser.get(userId) ?? [])
    validUntil = Math.min(validUntil, grantsOf(state, groupId, now, permissions));
  return { permissions, validUntil };
}

/** What a group's members receive from the group's own and inherited assignments, with the grants. */
export function grantsOfGroup(state: PolicyState, groupId: string, now: Date): Map<string, Grant[]> {
  const into = new Map<string, Grant[]>();
  grantsOf(state, groupId, now, into);
  return into;
}

export interface WhoCanEntry {
  userId: string;
  email: string;
  grants: Grant[];
}

/** An identity a question is about: only grants whose scope reaches its owner team count. */
export interface IdentityOwner {
  ownerGroupId: string | null;
}

/**
 * Users holding the permission, by email; with `on`, only through grants that reach that identity.
 * Walks down from the groups whose assignments grant it, independently of effectiveAccess: tests
 * compare both on every fixture.
 */
export function whoCan(
  state: PolicyState,
  permission: string,
  now: Date,
  page: { cursor?: string | null; limit: number },
  on?: IdentityOwner,
): Page<WhoCanEntry> {
  const grantsByUser = new Map<string, Grant[]>();
  for (const [assignedGroupId, assignments] of state.assignmentsByGroup) {
    for (const assignment of assignments) {
      const policy = state.policies.get(assignment.policyId);
      if (!policy?.permissions.has(permission) || !state.isActive(assignment, now)) continue;
      if (!givesPermission(assignment, permission)) continue;
      if (on && !grantCovers(state, assignment.scopeGroupId, on.ownerGroupId)) continue;
      const from = state.pathOf(assignedGroupId).length - 1;
      for (const memberGroupId of state.subtreeOf(assignedGroupId)) {
        const path = state.pathOf(memberGroupId);
        for (const userId of state.membersOfGroup.get(memberGroupId) ?? []) {
          const list = grantsByUser.get(userId) ?? [];
          list.push(grantOf(state, assignment, policy.name, memberGroupId, path.slice(from)));
          grantsByUser.set(userId, list);
        }
      }
    }
  }
  const entries = [...grantsByUser].map(([userId, grants]) => ({
    userId,
    email: state.members.get(userId)?.email ?? userId,
    grants,
  }));
  return paginate(entries, (entry) => `${entry.email}\u0000${entry.userId}`, page);
}

/**
 * Why a user may or may not act on one identity: `covered` (some live grant's scope reaches its
 * owner team), `expired` (only an expired grant would have), `out-of-scope` (live grants, none
 * reaching it), `no-grant`.
 */
export type IdentityVerdict = 'covered' | 'expired' | 'out-of-scope' | 'no-grant';

export interface IdentityExplanation {
  verdict: IdentityVerdict;
  /** The live grants that reach the identity (for `covered`), else the ones that do not. */
  grants: Grant[];
  /** For `expired`: the expired grants that would have reached it. */
  expired: Grant[];
}

export function explainOn(
  state: PolicyState,
  access: EffectiveAccess,
  userId: string,
  permission: string,
  owner: IdentityOwner,
  now: Date,
): IdentityExplanation {
  const live = access.permissions.get(permission) ?? [];
  const covering = live.filter((grant) => grantCovers(state, grant.scopeGroupId, owner.ownerGroupId));
  if (covering.length > 0) return { verdict: 'covered', grants: covering, expired: [] };
  const expired = expiredGrants(state, userId, permission, now).filter((grant) =>
    grantCovers(state, grant.scopeGroupId, owner.ownerGroupId),
  );
  if (expired.length > 0) return { verdict: 'expired', grants: [...live], expired };
  return { verdict: live.length > 0 ? 'out-of-scope' : 'no-grant', grants: [...live], expired: [] };
}

/** Grants of the permission the user would hold through their groups had they not expired. */
function expiredGrants(state: PolicyState, userId: string, permission: string, now: Date): Grant[] {
  const out: Grant[] = [];
  for (const memberGroupId of state.groupsOfUser.get(userId) ?? []) {
    const path = state.pathOf(memberGroupId);
    path.forEach((groupId, level) => {
      for (const assignment of state.assignmentsByGroup.get(groupId) ?? []) {
        const policy = state.policies.get(assignment.policyId);
        if (state.isActive(assignment, now) || !policy?.permissions.has(permission)) continue;
        if (!givesPermission(assignment, permission)) continue;
        out.push(grantOf(state, assignment, policy.name, memberGroupId, path.slice(level)));
      }
    });
  }
  return out;
}

export interface WhatCanEntry {
  permission: string;
  grants: readonly Grant[];
}

/** The user's effective permissions with their sources, by key. */
export function whatCan(
  state: PolicyState,
  userId: string,
  now: Date,
  page: { cursor?: string | null; limit: number },
): Page<WhatCanEntry> {
  const entries = [...effectiveAccess(state, userId, now).permissions].map(([permission, grants]) => ({
    permission,
    grants,
  }));
  return paginate(entries, (entry) => entry.permission, page);
}

/** Keyset pagination over a sort key: the cursor is the last key of the previous page. */
function paginate<T>(
  entries: T[],
  keyOf: (entry: T) => string,
  page: { cursor?: string | null; limit: number },
): Page<T> {
  const sorted = entries
    .map((entry) => ({ key: keyOf(entry), entry }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = page.cursor ? sorted.findIndex((item) => item.key > (page.cursor as string)) : 0;
  const from = start === -1 ? sorted.length : start;
  const slice = sorted.slice(from, from + page.limit);
  const more = from + page.limit < sorted.length;
  return {
    items: slice.map((item) => item.entry),
    nextCursor: more && slice.length > 0 ? (slice[slice.length - 1] as { key: string }).key : null,
  };
}
