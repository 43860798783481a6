import type { PolicyState } from './policy-state.ts';

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
}

export interface EffectiveAccess {
  permissions: ReadonlyMap<string, readonly Grant[]>;
  /** The earliest expiry among the grants: the answer must be recomputed from then on. */
  validUntil: number;
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
      const grant: Grant = {
        assignmentId: assignment.id,
        policyId: policy.id,
        policyName: policy.name,
        assignedGroupId,
        memberGroupId,
        path: state.namesOf(path.slice(level)),
        expiresAt: assignment.expiresAt,
      };
      for (const permission of policy.permissions) {
        const list = into.get(permission) ?? [];
        list.push(grant);
        into.set(permission, list);
      }
    }
  }
  return validUntil;
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

/** Permissions a group's members receive from the group's own and inherited assignments. */
export function permissionsOfGroup(state: PolicyState, groupId: string, now: Date): Set<string> {
  const into = new Map<string, Grant[]>();
  grantsOf(state, groupId, now, into);
  return new Set(into.keys());
}

export interface WhoCanEntry {
  userId: string;
  email: string;
  grants: Grant[];
}

/**
 * Users holding the permission, by email. Walks down from the groups whose assignments grant it,
 * independently of effectiveAccess: tests compare both on every fixture.
 */
export function whoCan(
  state: PolicyState,
  permission: string,
  now: Date,
  page: { cursor?: string | null; limit: number },
): Page<WhoCanEntry> {
  const grantsByUser = new Map<string, Grant[]>();
  for (const [assignedGroupId, assignments] of state.assignmentsByGroup) {
    for (const assignment of assignments) {
      const policy = state.policies.get(assignment.policyId);
      if (!policy?.permissions.has(permission) || !state.isActive(assignment, now)) continue;
      const from = state.pathOf(assignedGroupId).length - 1;
      for (const memberGroupId of state.subtreeOf(assignedGroupId)) {
        const path = state.pathOf(memberGroupId);
        for (const userId of state.membersOfGroup.get(memberGroupId) ?? []) {
          const list = grantsByUser.get(userId) ?? [];
          list.push({
            assignmentId: assignment.id,
            policyId: policy.id,
            policyName: policy.name,
            assignedGroupId,
            memberGroupId,
            path: state.namesOf(path.slice(from)),
            expiresAt: assignment.expiresAt,
          });
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
