import type { RequestScope } from '@nhi/platform';
import {
  type AssignmentView,
  type GroupDetail,
  type GroupSummary,
  PolicyQueryService,
  PolicyService,
  type WhatCanEntry,
  type WhoCanEntry,
} from '@nhi/policy';
import type {
  AssignPolicyInput,
  CreateGroupInput,
  CreatePolicyInput,
  MembershipInput,
  MoveGroupInput,
  UpdatePolicyInput,
} from '@nhi/policy/schema';

export type { AssignmentView, GroupDetail, GroupSummary, WhatCanEntry, WhoCanEntry };

export interface RealmMemberChoice {
  userId: string;
  email: string;
  role: string;
}

export interface PolicyChoice {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: string[];
}

export interface GroupsPage {
  groups: GroupSummary[];
  selected: GroupDetail | null;
  members: RealmMemberChoice[];
  policies: PolicyChoice[];
  canAdminister: boolean;
  /** The server's "now", so expiry is judged by one clock. */
  now: Date;
}

const queriesOf = (scope: RequestScope) => scope.container.resolve(PolicyQueryService);
const serviceOf = (scope: RequestScope) => scope.container.resolve(PolicyService);

export async function groupsPageOf(scope: RequestScope, groupId: string | undefined): Promise<GroupsPage> {
  const queries = queriesOf(scope);
  const groups = await queries.tree();
  const selectedId = groupId && groups.some((g) => g.id === groupId) ? groupId : groups[0]?.id;
  const [selected, members, catalogue] = await Promise.all([
    selectedId ? queries.group(selectedId) : Promise.resolve(null),
    queries.members(),
    queries.policies(),
  ]);
  return {
    groups,
    selected,
    members,
    policies: catalogue.policies,
    canAdminister: scope.permissions.has('policy:admin'),
    now: scope.context.clock.now(),
  };
}

export async function policiesPageOf(scope: RequestScope) {
  return { ...(await queriesOf(scope).policies()), canAdminister: scope.permissions.has('policy:admin') };
}

export async function effectiveAccessOf(scope: RequestScope, userId: string | undefined) {
  const queries = queriesOf(scope);
  const members = await queries.members();
  const selected = userId ?? members[0]?.userId;
  const permissions: WhatCanEntry[] = [];
  if (selected) {
    let cursor: string | null = null;
    do {
      const page = await queries.whatCan({ userId: selected, cursor, limit: 500 });
      permissions.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
  }
  const catalogue = (await queries.policies()).permissions;
  return { members, userId: selected ?? null, permissions, catalogue };
}

export async function whoCanOf(scope: RequestScope, input: { permission?: string; cursor?: string | null }) {
  const queries = queriesOf(scope);
  const catalogue = (await queries.policies()).permissions;
  const permission = input.permission ?? catalogue[0]?.key ?? null;
  const page = permission
    ? await queries.whoCan({ permission, cursor: input.cursor ?? null, limit: 50 })
    : { items: [], nextCursor: null };
  return { catalogue, permission, ...page };
}

export async function policyAuditOf(scope: RequestScope) {
  const queries = queriesOf(scope);
  const [entries, members] = await Promise.all([queries.audit({ limit: 200 }), queries.members()]);
  return { entries, members };
}

export const createGroupFor = (scope: RequestScope, input: CreateGroupInput) =>
  serviceOf(scope).createGroup(input);
export const moveGroupFor = (scope: RequestScope, input: MoveGroupInput) => serviceOf(scope).moveGroup(input);
export const deleteGroupFor = (scope: RequestScope, groupId: string) => serviceOf(scope).deleteGroup(groupId);
export const addMemberFor = (scope: RequestScope, input: MembershipInput) =>
  serviceOf(scope).addMember(input);
export const removeMemberFor = (scope: RequestScope, input: MembershipInput) =>
  serviceOf(scope).removeMember(input);
export const createPolicyFor = (scope: RequestScope, input: CreatePolicyInput) =>
  serviceOf(scope).createPolicy(input);
export const assignPolicyFor = (scope: RequestScope, input: AssignPolicyInput) =>
  serviceOf(scope).assign(input);
export const revokeAssignmentFor = (scope: RequestScope, assignmentId: string) =>
  serviceOf(scope).revoke(assignmentId);
export const updatePolicyFor = (scope: RequestScope, input: UpdatePolicyInput) =>
  serviceOf(scope).updatePolicy(input);
export const deletePolicyFor = (scope: RequestScope, policyId: string) =>
  serviceOf(scope).deletePolicy(policyId);
