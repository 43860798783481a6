import { storableDate } from '@nhi/platform/input';
import { z } from 'zod';

/** Shapes of the policy procedures and serverFns, shared with the UI. */

const id = z.string().min(1).max(64);
const name = z.string().trim().min(1, 'Give a name').max(100, 'At most 100 characters');
const description = z.string().trim().max(500, 'At most 500 characters').default('');

export const groupIdInput = z.object({ groupId: id });
export type GroupIdInput = z.infer<typeof groupIdInput>;

export const createGroupInput = z.object({
  /** Null or absent: a new root group (realm-wide administrators only). */
  parentId: id.nullish(),
  name,
  description,
});
export type CreateGroupInput = z.input<typeof createGroupInput>;

export const moveGroupInput = z.object({ groupId: id, parentId: id.nullable() });
export type MoveGroupInput = z.infer<typeof moveGroupInput>;

export const membershipInput = z.object({ groupId: id, userId: id });
export type MembershipInput = z.infer<typeof membershipInput>;

export const createPolicyInput = z.object({
  name,
  description,
  permissions: z.array(z.string().min(1).max(100)).min(1, 'Choose at least one permission').max(200),
});
export type CreatePolicyInput = z.input<typeof createPolicyInput>;

export const updatePolicyInput = createPolicyInput.extend({ policyId: id });
export type UpdatePolicyInput = z.input<typeof updatePolicyInput>;

export const policyIdInput = z.object({ policyId: id });
export type PolicyIdInput = z.infer<typeof policyIdInput>;

export const assignPolicyInput = z.object({
  policyId: id,
  groupId: id,
  reason: z.string().trim().min(1, 'Say why').max(500, 'At most 500 characters'),
  expiresAt: storableDate().nullish(),
  /** Null or absent: realm-wide. Else only the identities owned by this group's subtree (ADR 0040). */
  scopeGroupId: id.nullish(),
});
export type AssignPolicyInput = z.input<typeof assignPolicyInput>;

export const assignmentIdInput = z.object({ assignmentId: id });
export type AssignmentIdInput = z.infer<typeof assignmentIdInput>;

const pageFields = {
  cursor: z.string().max(400).nullish(),
  limit: z.number().int().min(1).max(500).default(50),
};

/** With `nhiId`, only the grants whose scope reaches that identity count. */
const onIdentity = { nhiId: id.optional() };

export const whoCanInput = z.object({ permission: z.string().min(1).max(100), ...pageFields, ...onIdentity });
export type WhoCanInput = z.input<typeof whoCanInput>;

export const whatCanInput = z.object({ userId: id, ...pageFields });
export type WhatCanInput = z.input<typeof whatCanInput>;

export const explainInput = z.object({ userId: id, permission: z.string().min(1).max(100), ...onIdentity });
export type ExplainInput = z.infer<typeof explainInput>;

export const policyAuditInput = z.object({ limit: z.number().int().min(1).max(200).default(100) });
export type PolicyAuditInput = z.input<typeof policyAuditInput>;

/** The groups page: the group to show; none, or one the realm does not have, shows the first. */
export const groupsPageInput = z.object({ groupId: z.string().max(64).optional() });
export type GroupsPageInput = z.infer<typeof groupsPageInput>;

/** The effective-access page: the member to show, the first by email when none is named. */
export const accessPageInput = z.object({ userId: id.optional() });
export type AccessPageInput = z.infer<typeof accessPageInput>;

/** The who-can page: the permission to show, the catalogue's first when none is named. */
export const whoCanPageInput = z.object({
  permission: z.string().max(100).optional(),
  cursor: z.string().max(400).nullish(),
  /** Who may act on this identity; absent: anywhere in the realm. */
  nhiId: z.string().max(64).optional(),
});
export type WhoCanPageInput = z.infer<typeof whoCanPageInput>;
