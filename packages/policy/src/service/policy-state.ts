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
 * One write of a change to the realm's policy data, as the change made it: what the state after
 * the change differs by, so the change need not read the realm again (ADR 0043).
 */
export type PolicyEdit =
  | { kind: 'group.add'; group: GroupNode }
  | { kind: 'group.move'; groupId: string; parentId: string | null }
  /** The group's memberships and assignments go with it (the foreign keys cascade). */
  | { kind: 'group.delete'; groupId: string }
  | { kind: 'member.add'; groupId: string; userId: string }
  | { kind: 'member.remove'; groupId: string; userId: string }
  /** A policy created, or an existing one's name and permissions replaced. */
  | { kind: 'policy.put'; policy: PolicyNode }
  | { kind: 'policy.delete'; policyId: string }
  | { kind: 'assignment.add'; assignment: AssignmentNode }
  | { kind: 'assignment.remove'; assignmentId: string };

/** The indexes a state is made of; a state never changes them once built. */
interface StateParts {
  groups: Map<string, GroupNode>;
  children: Map<string | null, GroupNode[]>;
  members: Map<string, MemberNode>;
  policies: Map<string, PolicyNode>;
  assignmentsByGroup: Map<string, AssignmentNode[]>;
  assignments: Map<string, AssignmentNode>;
  membersOfGroup: Map<string, Set<string>>;
  groupsOfUser: Map<string, string[]>;
  /** Filled as paths are first asked; only ever with the path the tree gives, so it may be shared. */
  paths: Map<string, readonly string[]>;
}

const byName = (a: GroupNode, b: GroupNode) => a.name.localeCompare(b.name);

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

  constructor(input: PolicyStateInput) {
    const builtInGroupOfRole = new Map<BuiltInRole, string>();
    for (const group of input.groups) {
      this.groups.set(group.id, group);
      const siblings = this.children.get(group.parentId) ?? [];
      siblings.push(group);
      this.children.set(group.parentId, siblings);
      this.membersOfGroup.set(group.id, new Set());
      if (group.builtInRole) builtInGroupOfRole.set(group.builtInRole, group.id);
    }
    for (const siblings of this.children.values()) siblings.sort(byName);
    for (const member of input.members) {
      this.members.set(member.userId, member);
      const builtIn = builtInGroupOfRole.get(member.role);
      if (builtIn) this.join(builtIn, member.userId);
    }
    for (const { groupId, userId } of input.groupMembers) {
      // A user who left the realm keeps no access through groups they were in.
      if (this.takesMember(groupId, userId)) this.join(groupId, userId);
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

  /** Explicit memberships count only in non built-in groups, for members of the realm. */
  private takesMember(groupId: string, userId: string): boolean {
    const group = this.groups.get(groupId);
    return group !== undefined && !group.builtInRole && this.members.has(userId);
  }

  /**
   * The state after `edits`, exactly as reading the realm after them would build it, without
   * reading it. This state stays as it is (decisions in flight may still use it): an index an edit
   * touches is copied, the others are shared.
   */
  edited(edits: readonly PolicyEdit[]): PolicyState {
    if (edits.length === 0) return this;
    const next = Object.create(PolicyState.prototype) as PolicyState;
    const parts: StateParts = { ...(this as unknown as StateParts) };
    Object.assign(next, parts);
    const own = new Set<keyof StateParts>();
    // Copies an index the first time an edit writes it, then writes the copy.
    const write = <K extends keyof StateParts>(key: K): StateParts[K] => {
      if (!own.has(key)) {
        (next as unknown as StateParts)[key] = new Map(parts[key] as Map<unknown, unknown>) as StateParts[K];
        own.add(key);
      }
      return (next as unknown as StateParts)[key];
    };
    for (const edit of edits) next.apply(edit, write);
    return next;
  }

  private apply(edit: PolicyEdit, write: <K extends keyof StateParts>(key: K) => StateParts[K]): void {
    switch (edit.kind) {
      case 'group.add': {
        write('groups').set(edit.group.id, edit.group);
        // Its path, once asked, belongs to this state only.
        write('paths');
        write('membersOfGroup').set(edit.group.id, new Set());
        this.placeChild(write('children'), edit.group);
        return;
      }
      case 'group.move': {
        const group = this.groups.get(edit.groupId);
        if (!group) return;
        // Every path through the moved group changes; the rest of the tree keeps its paths.
        const paths = write('paths');
        for (const id of this.subtreeOf(group.id)) paths.delete(id);
        const moved = { ...group, parentId: edit.parentId };
        write('groups').set(moved.id, moved);
        const children = write('children');
        this.removeChild(children, group);
        this.placeChild(children, moved);
        return;
      }
      case 'group.delete': {
        const group = this.groups.get(edit.groupId);
        if (!group) return;
        for (const userId of this.membersOfGroup.get(group.id) ?? [])
          this.leave(write('groupsOfUser'), group.id, userId);
        for (const assignment of this.assignmentsByGroup.get(group.id) ?? [])
          write('assignments').delete(assignment.id);
        write('assignmentsByGroup').delete(group.id);
        write('membersOfGroup').delete(group.id);
        write('paths').delete(group.id);
        write('groups').delete(group.id);
        this.removeChild(write('children'), group);
        return;
      }
      case 'member.add': {
        if (!this.takesMember(edit.groupId, edit.userId)) return;
        const members = this.membersOfGroup.get(edit.groupId) ?? new Set<string>();
        if (members.has(edit.userId)) return;
        write('membersOfGroup').set(edit.groupId, new Set([...members, edit.userId]));
        const groups = write('groupsOfUser');
        groups.set(edit.userId, [...(groups.get(edit.userId) ?? []), edit.groupId]);
        return;
      }
      case 'member.remove': {
        const members = this.membersOfGroup.get(edit.groupId);
        if (!members?.has(edit.userId)) return;
        const rest = new Set(members);
        rest.delete(edit.userId);
        write('membersOfGroup').set(edit.groupId, rest);
        this.leave(write('groupsOfUser'), edit.groupId, edit.userId);
        return;
      }
      case 'policy.put':
        write('policies').set(edit.policy.id, edit.policy);
        return;
      case 'policy.delete':
        write('policies').delete(edit.policyId);
        return;
      case 'assignment.add': {
        const { assignment } = edit;
        write('assignments').set(assignment.id, assignment);
        const byGroup = write('assignmentsByGroup');
        byGroup.set(assignment.groupId, [...(byGroup.get(assignment.groupId) ?? []), assignment]);
        return;
      }
      case 'assignment.remove': {
        const assignment = this.assignments.get(edit.assignmentId);
        if (!assignment) return;
        write('assignments').delete(assignment.id);
        const byGroup = write('assignmentsByGroup');
        const rest = (byGroup.get(assignment.groupId) ?? []).filter((a) => a.id !== assignment.id);
        if (rest.length > 0) byGroup.set(assignment.groupId, rest);
        else byGroup.delete(assignment.groupId);
        return;
      }
    }
  }

  private placeChild(children: Map<string | null, GroupNode[]>, group: GroupNode): void {
    children.set(group.parentId, [...(children.get(group.parentId) ?? []), group].sort(byName));
  }

  private removeChild(children: Map<string | null, GroupNode[]>, group: GroupNode): void {
    const rest = (children.get(group.parentId) ?? []).filter((child) => child.id !== group.id);
    if (rest.length > 0) children.set(group.parentId, rest);
    else children.delete(group.parentId);
  }

  private leave(groupsOfUser: Map<string, string[]>, groupId: string, userId: string): void {
    const rest = (groupsOfUser.get(userId) ?? []).filter((id) => id !== groupId);
    if (rest.length > 0) groupsOfUser.set(userId, rest);
    else groupsOfUser.delete(userId);
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
