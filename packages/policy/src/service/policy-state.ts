import type { BuiltInRole } from '@nhi/platform';

/** The tree holds at most this many levels, root included. */
export const maxGroupDepth = 20;

export interface GroupNode {
  id: string;
  name: string;
  parentId: string | null;
  builtInRole: BuiltInRole | null;
}

export interface PolicyNode {
  id: string;
  name: string;
  builtInKey: string | null;
  permissions: ReadonlySet<string>;
}

export interface AssignmentNode {
  id: string;
  policyId: string;
  groupId: string;
  expiresAt: Date | null;
  /** Null: realm-wide. Else the grant covers the identities owned by this group's subtree. */
  scopeGroupId: string | null;
}

export interface MemberNode {
  userId: string;
  email: string;
  role: BuiltInRole;
}

/** Everything decisions are made from: one realm's tree, members, policies and assignments. */
export interface PolicyStateInput {
  groups: readonly GroupNode[];
  members: readonly MemberNode[];
  /** Explicit memberships of non built-in groups. */
  groupMembers: readonly { groupId: string; userId: string }[];
  policies: readonly PolicyNode[];
  assignments: readonly AssignmentNode[];
}

/**
 * The realm's policy data indexed for decisions: group paths are computed once, so a user's
 * effective permissions cost one walk over the paths of their groups.
 */
export class PolicyState {
  readonly groups = new Map<string, GroupNode>();
  readonly children = new Map<string | null, GroupNode[]>();
  readonly members = new Map<string, MemberNode>();
  readonly policies = new Map<string, PolicyNode>();
  readonly assignmentsByGroup = new Map<string, AssignmentNode[]>();
  readonly assignments = new Map<string, AssignmentNode>();
  /** Explicit members per group; built-in groups are filled from the members' roles. */
  readonly membersOfGroup = new Map<string, Set<string>>();
  readonly groupsOfUser = new Map<string, string[]>();
  private readonly paths = new Map<string, readonly string[]>();
  private readonly builtInGroupOfRole = new Map<BuiltInRole, string>();

  constructor(input: PolicyStateInput) {
    for (const group of input.groups) {
      this.groups.set(group.id, group);
      const siblings = this.children.get(group.parentId) ?? [];
      siblings.push(group);
      this.children.set(group.parentId, siblings);
      this.membersOfGroup.set(group.id, new Set());
      if (group.builtInRole) this.builtInGroupOfRole.set(group.builtInRole, group.id);
    }
    for (const siblings of this.children.values()) siblings.sort((a, b) => a.name.localeCompare(b.name));
    for (const member of input.members) {
      this.members.set(member.userId, member);
      const builtIn = this.builtInGroupOfRole.get(member.role);
      if (builtIn) this.join(builtIn, member.userId);
    }
    for (const { groupId, userId } of input.groupMembers) {
      const group = this.groups.get(groupId);
      // A user who left the realm keeps no access through groups they were in.
      if (group && !group.builtInRole && this.members.has(userId)) this.join(groupId, userId);
    }
    for (const policy of input.policies) this.policies.set(policy.id, policy);
    for (const assignment of input.assignments) {
      this.assignments.set(assignment.id, assignment);
      const list = this.assignmentsByGroup.get(assignment.groupId) ?? [];
      list.push(assignment);
      this.assignmentsByGroup.set(assignment.groupId, list);
    }
  }

  private join(groupId: string, userId: string): void {
    this.membersOfGroup.get(groupId)?.add(userId);
    const groups = this.groupsOfUser.get(userId) ?? [];
    groups.push(groupId);
    this.groupsOfUser.set(userId, groups);
  }

  /** Group ids from the root down to the group itself. */
  pathOf(groupId: string): readonly string[] {
    const known = this.paths.get(groupId);
    if (known) return known;
    const group = this.groups.get(groupId);
    if (!group) return [];
    const path = group.parentId ? [...this.pathOf(group.parentId), groupId] : [groupId];
    this.paths.set(groupId, path);
    return path;
  }

  namesOf(path: readonly string[]): string[] {
    return path.map((id) => this.groups.get(id)?.name ?? id);
  }

  /** The group and every group below it. */
  subtreeOf(groupId: string): string[] {
    const out: string[] = [];
    const stack = [groupId];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      out.push(id);
      for (const child of this.children.get(id) ?? []) stack.push(child.id);
    }
    return out;
  }

  /** Levels below the group, 0 for a leaf. */
  heightOf(groupId: string): number {
    let height = 0;
    for (const child of this.children.get(groupId) ?? [])
      height = Math.max(height, this.heightOf(child.id) + 1);
    return height;
  }

  /** Whether a group lies in the subtree of `rootId` (the group itself included). */
  isWithin(groupId: string, rootId: string): boolean {
    return this.pathOf(groupId).includes(rootId);
  }

  isActive(assignment: AssignmentNode, now: Date): boolean {
    return assignment.expiresAt === null || assignment.expiresAt.getTime() > now.getTime();
  }
}
