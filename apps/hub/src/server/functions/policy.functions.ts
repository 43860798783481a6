import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The tree, the selected group with its members and direct and inherited assignments. */
export const policyGroupsPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy.groupsPage')])
  .validator(inputOf('policy.groupsPage'))
  .handler(({ data, context }) => context.rpc.policy.groupsPage.query(data));

export const policiesPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy.policiesPage')])
  .handler(({ context }) => context.rpc.policy.policiesPage.query());

/** A member's effective permissions, each with the grants that give it. */
export const effectiveAccessPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy.accessPage')])
  .validator(inputOf('policy.accessPage'))
  .handler(({ data, context }) => context.rpc.policy.accessPage.query(data));

export const whoCanPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy.whoCanPage')])
  .validator(inputOf('policy.whoCanPage'))
  .handler(({ data, context }) => context.rpc.policy.whoCanPage.query(data));

export const policyAuditPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('policy.auditPage')])
  .handler(({ context }) => context.rpc.policy.auditPage.query());

export const createPolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.createGroup')])
  .validator(inputOf('policy.createGroup'))
  .handler(({ data, context }) => context.rpc.policy.createGroup.mutate(data));

export const movePolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.moveGroup')])
  .validator(inputOf('policy.moveGroup'))
  .handler(({ data, context }) => context.rpc.policy.moveGroup.mutate(data));

export const deletePolicyGroup = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.deleteGroup')])
  .validator(inputOf('policy.deleteGroup'))
  .handler(({ data, context }) => context.rpc.policy.deleteGroup.mutate(data));

export const addGroupMember = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.addMember')])
  .validator(inputOf('policy.addMember'))
  .handler(({ data, context }) => context.rpc.policy.addMember.mutate(data));

export const removeGroupMember = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.removeMember')])
  .validator(inputOf('policy.removeMember'))
  .handler(({ data, context }) => context.rpc.policy.removeMember.mutate(data));

export const createCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.createPolicy')])
  .validator(inputOf('policy.createPolicy'))
  .handler(({ data, context }) => context.rpc.policy.createPolicy.mutate(data));

/** Everyone holding the policy gains or loses the changed permissions at their next request. */
export const updateCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.updatePolicy')])
  .validator(inputOf('policy.updatePolicy'))
  .handler(({ data, context }) => context.rpc.policy.updatePolicy.mutate(data));

export const assignPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.assign')])
  .validator(inputOf('policy.assign'))
  .handler(({ data, context }) => context.rpc.policy.assign.mutate(data));

export const revokeAssignment = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.revoke')])
  .validator(inputOf('policy.revoke'))
  .handler(({ data, context }) => context.rpc.policy.revoke.mutate(data));

/** Only a policy no assignment uses can go. */
export const deleteCustomPolicy = createServerFn({ method: 'POST' })
  .middleware([authGuard('policy.deletePolicy')])
  .validator(inputOf('policy.deletePolicy'))
  .handler(({ data, context }) => context.rpc.policy.deletePolicy.mutate(data));
