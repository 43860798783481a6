import {
  ConflictError,
  isKnownPermission,
  isUniqueViolation,
  NotFoundError,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AssignPolicyInput,
  assignPolicyInput,
  type CreateGroupInput,
  type CreatePolicyInput,
  createGroupInput,
  createPolicyInput,
  type MembershipInput,
  type MoveGroupInput,
  type UpdatePolicyInput,
  updatePolicyInput,
} from '../api/policy.schema.ts';
import { lockPolicyEpoch, policyEpochOf } from '../sql/policy-state.sql.ts';
import {
  type Authority,
  authorityOf,
  PolicyAdministrationDenied,
  requireHolds,
  requireHoldsOver,
  requireHoldsWhatGroupGives,
  requireInScope,
  requireSafeOutcome,
  takesAccessAway,
} from './policy-authority.ts';
import { PolicyDecisions } from './policy-decisions.ts';
import { grantsOfGroup } from './policy-engine.ts';
import { loadPolicyState } from './policy-loader.ts';
import { maxGroupDepth, type PolicyEdit, type PolicyNode, type PolicyState } from './policy-state.ts';

interface Change {
  tx: RealmTx;
  state: PolicyState;
  authority: Authority;
  now: Date;
  /** What the change wrote, once written: the state after it is derived from these (ADR 0043). */
  edits: PolicyEdit[];
}

/**
 * Changes to the realm's groups, memberships, policies and assignments. Each change runs in one
 * transaction that locks the realm's policy epoch (changes of a realm are serialised), checks the
 * actor's authority on the current state, writes the change and its audit row, and, when the
 * change takes a grant away, verifies on the resulting state that the realm keeps an administrator
 * and the actor keeps policy:admin. The resulting state is derived from what the change wrote, not
 * read again (ADR 0043).
 */
@injectable()
export class PolicyService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(PolicyDecisions) private readonly decisions: PolicyDecisions,
  ) {}

  async createGroup(raw: CreateGroupInput): Promise<{ id: string }> {
    const input = createGroupInput.parse(raw);
    return this.change(async ({ tx, state, authority, now, edits }) => {
      const parentId = input.parentId ?? null;
      if (parentId === null) {
        if (!authority.realmWide)
          throw new PolicyAdministrationDenied('Only realm-wide administrators create root groups');
      } else {
        const parent = this.groupOf(state, parentId);
        if (parent.builtInRole)
          throw new ConflictError(`${parent.name} is a built-in group and has no subgroups`);
        requireInScope(state, authority, parentId);
        if (state.pathOf(parentId).length >= maxGroupDepth)
          throw new ConflictError(`Groups nest at most ${maxGroupDepth} levels deep`);
      }
      const group = await tx.policyGroup.create({
        data: { parentId, name: input.name, description: input.description },
        select: { id: true },
      });
      edits.push({
        kind: 'group.add',
        group: { id: group.id, name: input.name, parentId, builtInRole: null },
      });
      // Inheritance is live through the tree; the audit row records what the group started with.
      const inherited = parentId
        ? state.pathOf(parentId).flatMap((groupId) =>
            (state.assignmentsByGroup.get(groupId) ?? [])
              .filter((a) => state.isActive(a, now))
              .map((a) => ({
                assignmentId: a.id,
                policy: state.policies.get(a.policyId)?.name ?? a.policyId,
                fromGroup: state.groups.get(groupId)?.name ?? groupId,
                expiresAt: a.expiresAt?.toISOString() ?? null,
              })),
          )
        : [];
      await this.audit(tx, 'policy.group.create', 'PolicyGroup', group.id, undefined, {
        name: input.name,
        parentId,
        path: parentId ? [...state.namesOf(state.pathOf(parentId)), input.name] : [input.name],
        inheritedAssignments: inherited,
      });
      return group;
    });
  }

  async moveGroup(input: MoveGroupInput): Promise<void> {
    await this.change(async ({ tx, state, authority, now, edits }) => {
      const group = this.movableGroup(state, authority, input.groupId);
      const parentId = input.parentId;
      if (parentId === group.parentId) return;
      if (parentId === null) {
        if (!authority.realmWide)
          throw new PolicyAdministrationDenied('Only realm-wide administrators create root groups');
      } else {
        const parent = this.groupOf(state, parentId);
        if (parent.builtInRole)
          throw new ConflictError(`${parent.name} is a built-in group and has no subgroups`);
        if (state.pathOf(parentId).includes(group.id))
          throw new ConflictError('A group cannot move under itself or one of its subgroups');
        requireInScope(state, authority, parentId);
        if (state.pathOf(parentId).length + 1 + state.heightOf(group.id) > maxGroupDepth)
          throw new ConflictError(`Groups nest at most ${maxGroupDepth} levels deep`);
        // The subtree's members gain what the new parent grants, over the scopes it grants them.
        requireHoldsWhatGroupGives(state, authority, grantsOfGroup(state, parentId, now));
      }
      await tx.policyGroup.update({ where: { id: group.id }, data: { parentId }, select: { id: true } });
      edits.push({ kind: 'group.move', groupId: group.id, parentId });
      await this.audit(
        tx,
        'policy.group.move',
        'PolicyGroup',
        group.id,
        { parentId: group.parentId, path: state.namesOf(state.pathOf(group.id)) },
        {
          parentId,
          path: parentId ? [...state.namesOf(state.pathOf(parentId)), group.name] : [group.name],
        },
      );
    });
  }

  /** Deletes a group without subgroups, with its memberships and assignments. */
  async deleteGroup(groupId: string): Promise<void> {
    await this.change(async ({ tx, state, authority, edits }) => {
      const group = this.movableGroup(state, authority, groupId);
      if ((state.children.get(group.id) ?? []).length > 0)
        throw new ConflictError(`${group.name} has subgroups: move or delete them first`);
      // Dropping the scope would widen those grants to the realm; dropping the grants, surprise their holders.
      if ([...state.assignments.values()].some((a) => a.scopeGroupId === group.id))
        throw new ConflictError(`${group.name} is the scope of assignments: revoke them first`);
      try {
        await tx.policyGroup.delete({ where: { id: group.id }, select: { id: true } });
      } catch (error) {
        // Identities name the group as their owner team: they must not be left pointing nowhere.
        if (isForeignKeyViolation(error))
          throw new ConflictError(`${group.name} owns identities: give them another owner first`);
        throw error;
      }
      edits.push({ kind: 'group.delete', groupId: group.id });
      await this.audit(tx, 'policy.group.delete', 'PolicyGroup', group.id, {
        name: group.name,
        path: state.namesOf(state.pathOf(group.id)),
        members: [...(state.membersOfGroup.get(group.id) ?? [])],
        assignments: (state.assignmentsByGroup.get(group.id) ?? []).map((a) => a.id),
      });
    });
  }

  async addMember(input: MembershipInput): Promise<void> {
    await this.change(async ({ tx, state, authority, now, edits }) => {
      const group = this.groupOf(state, input.groupId);
      if (group.builtInRole)
        throw new ConflictError(`${group.name} takes its members from the realm role ${group.builtInRole}`);
      requireInScope(state, authority, group.id);
      if (!state.members.has(input.userId)) throw new NotFoundError('Member', input.userId);
      if (state.membersOfGroup.get(group.id)?.has(input.userId)) return;
      requireHoldsWhatGroupGives(state, authority, grantsOfGroup(state, group.id, now));
      await tx.policyGroupMember.create({
        data: { groupId: group.id, userId: input.userId },
        select: { userId: true },
      });
      edits.push({ kind: 'member.add', groupId: group.id, userId: input.userId });
      await this.audit(tx, 'policy.member.add', 'PolicyGroup', group.id, undefined, {
        userId: input.userId,
        email: state.members.get(input.userId)?.email,
      });
    });
  }

  async removeMember(input: MembershipInput): Promise<void> {
    await this.change(async ({ tx, state, authority, edits }) => {
      const group = this.groupOf(state, input.groupId);
      if (group.builtInRole)
        throw new ConflictError(`${group.name} takes its members from the realm role ${group.builtInRole}`);
      requireInScope(state, authority, group.id);
      const removed = await tx.policyGroupMember.deleteMany({
        where: { groupId: group.id, userId: input.userId },
      });
      if (removed.count === 0) throw new NotFoundError('Group member', input.userId);
      edits.push({ kind: 'member.remove', groupId: group.id, userId: input.userId });
      await this.audit(tx, 'policy.member.remove', 'PolicyGroup', group.id, {
        userId: input.userId,
        email: state.members.get(input.userId)?.email,
      });
    });
  }

  async createPolicy(raw: CreatePolicyInput): Promise<{ id: string }> {
    const input = createPolicyInput.parse(raw);
    const permissions = knownPermissions(input.permissions);
    try {
      return await this.change(async ({ tx, authority, edits }) => {
        requireHolds(authority, permissions);
        const policy = await tx.policy.create({
          data: { name: input.name, description: input.description, permissions },
          select: { id: true },
        });
        edits.push({ kind: 'policy.put', policy: customPolicyNode(policy.id, input.name, permissions) });
        await this.audit(tx, 'policy.policy.create', 'Policy', policy.id, undefined, {
          name: input.name,
          description: input.description,
          permissions,
        });
        return policy;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A policy named "${input.name}" already exists`);
      throw error;
    }
  }

  /**
   * Edits a custom policy. It may be assigned anywhere in the realm, so only realm-wide
   * administrators edit it, and only with permissions they hold.
   */
  async updatePolicy(raw: UpdatePolicyInput): Promise<void> {
    const input = updatePolicyInput.parse(raw);
    const permissions = knownPermissions(input.permissions);
    try {
      await this.change(async ({ tx, state, authority, edits }) => {
        const policy = this.customPolicy(state, authority, input.policyId);
        requireHolds(authority, permissions);
        const before = await tx.policy.findFirst({
          where: { id: policy.id },
          select: { name: true, description: true, permissions: true },
        });
        await tx.policy.update({
          where: { id: policy.id },
          data: { name: input.name, description: input.description, permissions },
          select: { id: true },
        });
        edits.push({ kind: 'policy.put', policy: customPolicyNode(policy.id, input.name, permissions) });
        await this.audit(tx, 'policy.policy.update', 'Policy', policy.id, before ?? undefined, {
          name: input.name,
          description: input.description,
          permissions,
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A policy named "${input.name}" already exists`);
      throw error;
    }
  }

  /** Deletes a custom policy that no assignment uses. */
  async deletePolicy(policyId: string): Promise<void> {
    await this.change(async ({ tx, state, authority, edits }) => {
      const policy = this.customPolicy(state, authority, policyId);
      const uses = [...state.assignments.values()].filter((a) => a.policyId === policy.id).length;
      if (uses > 0) throw new ConflictError(`${policy.name} is assigned ${uses} times: revoke those first`);
      await tx.policy.delete({ where: { id: policy.id }, select: { id: true } });
      edits.push({ kind: 'policy.delete', policyId: policy.id });
      await this.audit(tx, 'policy.policy.delete', 'Policy', policy.id, {
        name: policy.name,
        permissions: [...policy.permissions].sort(),
      });
    });
  }

  async assign(raw: AssignPolicyInput): Promise<{ id: string }> {
    const input = assignPolicyInput.parse(raw);
    return this.change(async ({ tx, state, authority, now, edits }) => {
      const group = this.groupOf(state, input.groupId);
      const policy = state.policies.get(input.policyId);
      if (!policy) throw new NotFoundError('Policy', input.policyId);
      const expiresAt = input.expiresAt ?? null;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) {
        throw new ValidationError('Invalid assignment', [
          { path: ['expiresAt'], message: 'Must be in the future' },
        ]);
      }
      requireInScope(state, authority, group.id);
      const scopeGroupId = input.scopeGroupId ?? null;
      if (scopeGroupId !== null) {
        this.groupOf(state, scopeGroupId);
        // A delegated administrator hands out only the identities of their own subtree.
        requireInScope(state, authority, scopeGroupId);
      }
      requireHoldsOver(state, authority, policy.permissions, scopeGroupId);
      const actor = this.context.principal;
      const assignment = await tx.policyAssignment.create({
        data: {
          policyId: policy.id,
          groupId: group.id,
          scopeGroupId,
          reason: input.reason,
          expiresAt,
          assignedByType: actor.kind,
          assignedById:
            actor.kind === 'system' ? actor.name : actor.kind === 'token' ? actor.tokenId : actor.userId,
        },
        select: { id: true },
      });
      edits.push({
        kind: 'assignment.add',
        assignment: { id: assignment.id, policyId: policy.id, groupId: group.id, expiresAt, scopeGroupId },
      });
      await this.audit(tx, 'policy.assignment.create', 'PolicyAssignment', assignment.id, undefined, {
        policy: policy.name,
        policyId: policy.id,
        group: group.name,
        groupId: group.id,
        reason: input.reason,
        expiresAt: expiresAt?.toISOString() ?? null,
        scopeGroupId,
        scope: scopeGroupId ? state.namesOf(state.pathOf(scopeGroupId)) : null,
      });
      return assignment;
    });
  }

  /** Takes effect for the next decision anywhere once this commits. */
  async revoke(assignmentId: string): Promise<void> {
    await this.change(async ({ tx, state, authority, edits }) => {
      const assignment = state.assignments.get(assignmentId);
      if (!assignment) throw new NotFoundError('PolicyAssignment', assignmentId);
      requireInScope(state, authority, assignment.groupId);
      await tx.policyAssignment.delete({ where: { id: assignment.id }, select: { id: true } });
      edits.push({ kind: 'assignment.remove', assignmentId: assignment.id });
      await this.audit(tx, 'policy.assignment.revoke', 'PolicyAssignment', assignment.id, {
        policy: state.policies.get(assignment.policyId)?.name,
        policyId: assignment.policyId,
        group: state.groups.get(assignment.groupId)?.name,
        groupId: assignment.groupId,
        expiresAt: assignment.expiresAt?.toISOString() ?? null,
        scopeGroupId: assignment.scopeGroupId,
      });
    });
  }

  private async change<T>(apply: (change: Change) => Promise<T>): Promise<T> {
    const { principal, clock, realm } = this.context;
    const { result, epoch, after } = await this.realmDb.transaction(
      async (tx) => {
        const locked = await lockPolicyEpoch(tx, realm.id);
        const now = clock.now();
        // Every change that can alter a decision moves the epoch, so the decisions' cached state
        // at the locked epoch is the realm as it stands.
        const state =
          (locked && this.decisions.stateAtEpoch(realm.id, BigInt(locked.epoch))) ||
          (await loadPolicyState(tx, realm.id)).state;
        const authority = authorityOf(state, principal, now);
        const edits: PolicyEdit[] = [];
        const result = await apply({ tx, state, authority, now, edits });
        // With the epoch row locked nothing else changed the realm's policy data: the outcome is
        // the state plus this change's own writes, and reading it back would cost a realm read.
        const after = state.edited(edits);
        if (takesAccessAway(state, edits)) requireSafeOutcome(state, after, principal, now);
        return { result, epoch: (await policyEpochOf(tx, realm.id)) ?? -1n, after };
      },
      { timeout: 30_000 },
    );
    // Committed with the epoch row locked: the outcome is the realm's state at its epoch, so the
    // next decision need not read the realm again.
    this.decisions.adopt(realm.id, epoch, after);
    return result;
  }

  private customPolicy(state: PolicyState, authority: Authority, policyId: string) {
    const policy = state.policies.get(policyId);
    if (!policy) throw new NotFoundError('Policy', policyId);
    if (policy.builtInKey) throw new ConflictError(`${policy.name} is built in and follows the catalogue`);
    if (!authority.realmWide)
      throw new PolicyAdministrationDenied('Only realm-wide administrators edit or delete policies');
    return policy;
  }

  private groupOf(state: PolicyState, groupId: string) {
    const group = state.groups.get(groupId);
    if (!group) throw new NotFoundError('Group', groupId);
    return group;
  }

  /** Moving or deleting a group changes its parent's subtree: a delegated admin's own root is out of reach. */
  private movableGroup(state: PolicyState, authority: Authority, groupId: string) {
    const group = this.groupOf(state, groupId);
    if (group.builtInRole) throw new ConflictError(`${group.name} is a built-in group`);
    requireInScope(state, authority, group.id);
    if (
      !authority.realmWide &&
      authority.scopeRoots.has(group.id) &&
      !this.insideOtherRoot(state, authority, group.id)
    )
      throw new PolicyAdministrationDenied(
        `You administer ${group.name}'s subtree, not its place in the tree`,
      );
    return group;
  }

  private insideOtherRoot(state: PolicyState, authority: Authority, groupId: string): boolean {
    return state
      .pathOf(groupId)
      .slice(0, -1)
      .some((id) => authority.scopeRoots.has(id));
  }

  private audit(
    tx: RealmTx,
    action: string,
    entityType: string,
    entityId: string,
    before?: Record<string, unknown>,
    after?: Record<string, unknown>,
  ): Promise<void> {
    return writeAuditEntry(tx, {
      realmId: this.context.realm.id,
      actor: this.context.principal,
      action,
      entityType,
      entityId,
      ...(before ? { before: JSON.parse(JSON.stringify(before)) } : {}),
      ...(after ? { after: JSON.parse(JSON.stringify(after)) } : {}),
      requestId: this.context.requestId,
    });
  }
}

function knownPermissions(requested: readonly string[]): string[] {
  const permissions = [...new Set(requested)].sort();
  const unknown = permissions.filter((p) => !isKnownPermission(p));
  if (unknown.length > 0) {
    throw new ValidationError('Invalid policy', [
      { path: ['permissions'], message: `Unknown permissions: ${unknown.join(', ')}` },
    ]);
  }
  return permissions;
}

/** A custom policy as the state holds it (built-in ones take their permissions from the catalogue). */
function customPolicyNode(id: string, name: string, permissions: readonly string[]): PolicyNode {
  return { id, name, builtInKey: null, permissions: new Set(permissions) };
}

function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2003';
}
