import { RealmDb } from '@nhi/platform';
import { expect } from 'vitest';
import { loadPolicyState } from '../service/policy-loader.ts';
import type { PolicyState } from '../service/policy-state.ts';
import type { PolicyHub } from './policy-test-setup.ts';

const sorted = (values: Iterable<string>) => [...values].sort();

/**
 * Everything decisions read from a state, in a form two states can be compared by: orders the
 * database does not fix (members of a group, groups of a user, assignments of a group) are sorted.
 */
export function snapshotOf(state: PolicyState) {
  const entries = <V>(map: ReadonlyMap<string | null, V>, value: (v: V) => unknown) =>
    Object.fromEntries(
      [...map]
        .map(([key, v]) => [String(key), value(v)] as const)
        .filter(([, v]) => !Array.isArray(v) || v.length > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return {
    groups: entries(state.groups, (group) => group),
    paths: Object.fromEntries(sorted(state.groups.keys()).map((id) => [id, state.pathOf(id)])),
    children: entries(state.children, (list) => list.map((group) => group.name)),
    members: entries(state.members, (member) => member),
    membersOfGroup: entries(state.membersOfGroup, sorted),
    groupsOfUser: entries(state.groupsOfUser, sorted),
    policies: entries(state.policies, (policy) => ({ ...policy, permissions: sorted(policy.permissions) })),
    assignments: entries(state.assignments, (assignment) => assignment),
    assignmentsByGroup: entries(state.assignmentsByGroup, (list) => sorted(list.map((a) => a.id))),
  };
}

/** The state the decisions hold for the realm is the one reading the realm now builds. */
export async function expectCachedStateCurrent(hub: PolicyHub, label: string): Promise<void> {
  const cached = await hub.decisions.stateOf(hub.realm.id);
  const { state: read } = await new RealmDb(hub.db, hub.realm.id).transaction((tx) =>
    loadPolicyState(tx, hub.realm.id),
  );
  expect(snapshotOf(cached), label).toEqual(snapshotOf(read));
}
