// Pages in the browser parse these shapes too: zod without eval there, as the CSP requires.
import '../../components/inventory/zod-jitless.ts';
import {
  assignmentIdInput,
  assignPolicyInput,
  createGroupInput,
  createPolicyInput,
  groupIdInput,
  membershipInput,
  moveGroupInput,
  policyIdInput,
  updatePolicyInput,
} from '@nhi/policy/schema';
import { createServerFn } from '@tanstack/react-start';
import { z } from 'zod';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import {
  addMemberFor,
  assignPolicyFor,
  createGroupFor,
  createPolicyFor,
  deleteGroupFor,
  deletePolicyFor,
  effectiveAccessOf,
  groupsPageOf,
  moveGroupFor,
  policiesPageOf,
  policyAuditOf,
  removeMemberFor,
  revokeAssignmentFor,
  updatePolicyFor,
  whoCanOf,
} from './policy.server.ts';

const optionalGroup = z.object({ groupId: z.string().max(64).optional() });
const optionalUser = z.object({ userId: z.string().max(64).optional() });
const whoCanQuery = z.object({
  permission: z.string().max(100).optional(),
  cursor: z.string().max(400).nullish(),
});

/** The tree, the selected group with its members and direct and inherited assignments. */
export const policyGroupsPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy:read')])
  .validator(inputValidator(optionalGroup))
  .handler(({ data, context }) => groupsPageOf(context.scope, data.groupId));

export const policiesPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy:read')])
  .handler(({ context }) => policiesPageOf(context.scope));

/** A member's effective permissions, each with the grants that give it. */
export const effectiveAccessPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy:read')])
  .validator(inputValidator(optionalUser))
  .handler(({ data, context }) => effectiveAccessOf(context.scope, data.userId));

export const whoCanPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy:read')])
  .validator(inputValidator(whoCanQuery))
  .handler(({ data, context }) => whoCanOf(context.scope, data));

export const policyAuditPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy:read')])
  .handler(({ context }) => policyAuditOf(context.scope));

export const createPolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(createGroupInput))
  .handler(({ data, context }) => createGroupFor(context.scope, data));

export const movePolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(moveGroupInput))
  .handler(({ data, context }) => moveGroupFor(context.scope, data));

export const deletePolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(groupIdInput))
  .handler(({ data, context }) => deleteGroupFor(context.scope, data.groupId));

export const addGroupMember = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(membershipInput))
  .handler(({ data, context }) => addMemberFor(context.scope, data));

export const removeGroupMember = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(membershipInput))
  .handler(({ data, context }) => removeMemberFor(context.scope, data));

export const createCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(createPolicyInput))
  .handler(({ data, context }) => createPolicyFor(context.scope, data));

/** Everyone holding the policy gains or loses the changed permissions at their next request. */
export const updateCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(updatePolicyInput))
  .handler(({ data, context }) => updatePolicyFor(context.scope, data));

export const assignPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(assignPolicyInput))
  .handler(({ data, context }) => assignPolicyFor(context.scope, data));

export const revokeAssignment = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(assignmentIdInput))
  .handler(({ data, context }) => revokeAssignmentFor(context.scope, data.assignmentId));

/** Only a policy no assignment uses can go. */
export const deleteCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy:admin')])
  .validator(inputValidator(policyIdInput))
  .handler(({ data, context }) => deletePolicyFor(context.scope, data.policyId));
