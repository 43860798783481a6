import {
  NotFoundError,
  permissionCatalogue,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  type RequestContext,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type ExplainInput,
  type PolicyAuditInput,
  policyAuditInput,
  type WhatCanInput,
  type WhoCanInput,
  whatCanInput,
  whoCanInput,
} from '../api/policy.schema.ts';
import { identityOwner } from '../sql/identity-owner.sql.ts';
import { PolicyDecisions } from './policy-decisions.ts';
import {
  explainOn,
  type Grant,
  type IdentityOwner,
  type IdentityVerdict,
  type Page,
  type WhatCanEntry,
  type WhoCanEntry,
  whatCan,
  whoCan,
} from './policy-engine.ts';
import type { PolicyState } from './policy-state.ts';

export interface GroupSummary {
  id: string;
  name: string;
  parentId: string | null;
  builtInRole: string | null;
  memberCount: number;
  assignmentCount: number;
}

export interface AssignmentView {
  id: string;
  policyId: string;
  policyName: string;
  groupId: string;
  groupName: string;
  reason: string;
  assignedBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  active: boolean;
  /** True when the assignment is on an ancestor and reaches this group by inheritance. */
  inherited: boolean;
  /** Null: realm-wide. Else the group whose subtree's identities the assignment covers. */
  scope: { id: string; name: string; path: string[] } | null;
}

export interface GroupDetail {
  id: string;
  name: string;
  description: string;
  parentId: string | null;
  builtInRole: string | null;
  path: { id: string; name: string }[];
  members: { userId: string; email: string; source: 'role' | 'direct' }[];
  assignments: AssignmentView[];
}

/** A member of the realm, as the pages offer them for a group or a question. */
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

/** The permissions there are and the realm's policies made of them. */
export interface PolicyCatalogue {
  permissions: { key: string; description: string }[];
  policies: PolicyChoice[];
}

/** A JSON column's value, typed so that it crosses to the browser as it is. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One change to the realm's access control, as the audit trail records it. */
export interface PolicyAuditEntry {
  id: string;
  action: string;
  actorType: string;
  actorId: string | null;
  entityType: string;
  entityId: string | null;
  before: JsonValue;
  after: JsonValue;
  createdAt: Date;
}

export interface Explanation {
  allowed: boolean;
  permission: string;
  userId: string;
  email: string | null;
  grants: readonly Grant[];
  /**
   * Present when the question names an identity: `allowed` then means "on that identity", `grants`
   * are the ones reaching it (or, when none does, the live ones that do not), `expired` the expired
   * grants that would have.
   */
  identity?: {
    nhiId: string;
    ownerGroupId: string | null;
    ownerPath: string[] | null;
    verdict: IdentityVerdict;
    expired: readonly Grant[];
  };
}

/** Reads of the realm's policy data and the decisions made from it (policy:read). */
@injectable()
export class PolicyQueryService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(PolicyDecisions) private readonly decisions: PolicyDecisions,
  ) {}

  private state(): Promise<PolicyState> {
    return this.decisions.stateOf(this.context.realm.id);
  }

  async tree(): Promise<GroupSummary[]> {
    const state = await this.state();
    return [...state.groups.values()]
      .map((group) => ({
        id: group.id,
        name: group.name,
        parentId: group.parentId,
        builtInRole: group.builtInRole,
        memberCount: state.membersOfGroup.get(group.id)?.size ?? 0,
        assignmentCount: state.assignmentsByGroup.get(group.id)?.length ?? 0,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async group(groupId: string): Promise<GroupDetail> {
    const state = await this.state();
    const group = state.groups.get(groupId);
    if (!group) throw new NotFoundError('Group', groupId);
    const path = state.pathOf(groupId);
    const now = this.context.clock.now();
    const [row, assignments] = await this.realmDb.transaction(async (tx) => [
      await tx.policyGroup.findFirst({ where: { id: groupId }, select: { description: true } }),
      await tx.policyAssignment.findMany({
        where: { groupId: { in: [...path] } },
        select: {
          id: true,
          policyId: true,
          groupId: true,
          reason: true,
          assignedByType: true,
          assignedById: true,
          createdAt: true,
          expiresAt: true,
          scopeGroupId: true,
          policy: { select: { name: true } },
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
    ]);
    const explicit = new Set<string>();
    const members = [...(state.membersOfGroup.get(groupId) ?? [])].map((userId) => {
      explicit.add(userId);
      return {
        userId,
        email: state.members.get(userId)?.email ?? userId,
        source: group.builtInRole ? ('role' as const) : ('direct' as const),
      };
    });
    return {
      id: group.id,
      name: group.name,
      description: row?.description ?? '',
      parentId: group.parentId,
      builtInRole: group.builtInRole,
      path: path.map((id) => ({ id, name: state.groups.get(id)?.name ?? id })),
      members: members.sort((a, b) => a.email.localeCompare(b.email)),
      assignments: assignments.map((a) => ({
        id: a.id,
        policyId: a.policyId,
        policyName: a.policy.name,
        groupId: a.groupId,
        groupName: state.groups.get(a.groupId)?.name ?? a.groupId,
        reason: a.reason,
        assignedBy: this.actorName(state, a.assignedByType, a.assignedById),
        createdAt: a.createdAt,
        expiresAt: a.expiresAt,
        active: a.expiresAt === null || a.expiresAt.getTime() > now.getTime(),
        inherited: a.groupId !== groupId,
        scope: a.scopeGroupId
          ? {
              id: a.scopeGroupId,
              name: state.groups.get(a.scopeGroupId)?.name ?? a.scopeGroupId,
              path: state.namesOf(state.pathOf(a.scopeGroupId)),
            }
          : null,
      })),
    };
  }

  /** The permission catalogue and the realm's policies. */
  async policies(): Promise<PolicyCatalogue> {
    const state = await this.state();
    const rows = await this.realmDb.transaction((tx) =>
      tx.policy.findMany({ select: { id: true, description: true }, orderBy: { name: 'asc' } }),
    );
    const descriptions = new Map(rows.map((row) => [row.id, row.description]));
    return {
      permissions: permissionCatalogue().map((p) => ({ key: p.key, description: p.description })),
      policies: [...state.policies.values()]
        .map((p) => ({
          id: p.id,
          name: p.name,
          description: descriptions.get(p.id) ?? '',
          builtIn: p.builtInKey !== null,
          permissions: [...p.permissions].sort(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  async members(): Promise<RealmMemberChoice[]> {
    const state = await this.state();
    return [...state.members.values()]
      .map((m) => ({ userId: m.userId, email: m.email, role: m.role }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Why the member may (or may not) use the permission. Someone not a member of the realm is NOT_FOUND. */
  async explain(input: ExplainInput): Promise<Explanation> {
    const state = await this.state();
    this.requireMember(state, input.userId);
    const access = await this.decisions.accessOf(this.context.realm.id, input.userId);
    const grants = access.permissions.get(input.permission) ?? [];
    const base = {
      permission: input.permission,
      userId: input.userId,
      email: state.members.get(input.userId)?.email ?? null,
    };
    if (input.nhiId === undefined) return { ...base, allowed: grants.length > 0, grants };
    const owner = await this.ownerOf(input.nhiId);
    const now = this.context.clock.now();
    const answer = explainOn(state, access, input.userId, input.permission, owner, now);
    return {
      ...base,
      allowed: answer.verdict === 'covered',
      grants: answer.grants,
      identity: {
        nhiId: input.nhiId,
        ownerGroupId: owner.ownerGroupId,
        ownerPath: owner.ownerGroupId ? state.namesOf(state.pathOf(owner.ownerGroupId)) : null,
        verdict: answer.verdict,
        expired: answer.expired,
      },
    };
  }

  /** Holders of the permission; with `nhiId`, only those whose grants reach that identity. */
  async whoCan(raw: WhoCanInput): Promise<Page<WhoCanEntry>> {
    const input = whoCanInput.parse(raw);
    const owner = input.nhiId === undefined ? undefined : await this.ownerOf(input.nhiId);
    return whoCan(await this.state(), input.permission, this.context.clock.now(), input, owner);
  }

  /** The identity's owner team, read under the realm's filter; another realm's identity is NOT_FOUND. */
  private ownerOf(nhiId: string): Promise<IdentityOwner> {
    const realmId = this.context.realm.id;
    return this.realmDb.transaction((tx) => identityOwner(tx, realmId, nhiId));
  }

  /** The member's permissions and where each comes from. Someone not a member of the realm is NOT_FOUND. */
  async whatCan(raw: WhatCanInput): Promise<Page<WhatCanEntry>> {
    const input = whatCanInput.parse(raw);
    const state = await this.state();
    this.requireMember(state, input.userId);
    return whatCan(state, input.userId, this.context.clock.now(), input);
  }

  /** Changes to groups, memberships, policies, assignments and realm roles, newest first. */
  async audit(raw: PolicyAuditInput = {}): Promise<PolicyAuditEntry[]> {
    const input = policyAuditInput.parse(raw);
    const rows = await this.realmDb.transaction((tx) =>
      tx.auditLog.findMany({
        where: { OR: [{ action: { startsWith: 'policy.' } }, { action: { startsWith: 'member.' } }] },
        select: {
          id: true,
          action: true,
          actorType: true,
          actorId: true,
          entityType: true,
          entityId: true,
          before: true,
          after: true,
          createdAt: true,
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit,
      }),
    );
    return rows.map((row) => ({
      ...row,
      before: (row.before ?? null) as JsonValue,
      after: (row.after ?? null) as JsonValue,
    }));
  }

  private requireMember(state: PolicyState, userId: string): void {
    if (!state.members.has(userId)) throw new NotFoundError('Member', userId);
  }

  private actorName(state: PolicyState, type: string, id: string | null): string | null {
    if (type === 'user' && id) return state.members.get(id)?.email ?? id;
    return id ? `${type}:${id}` : type;
  }
}
