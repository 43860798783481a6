import { authorizedProcedure, router } from '@nhi/platform';
import { PolicyPages } from '../service/policy-pages.ts';
import { PolicyQueryService } from '../service/policy-query.service.ts';
import './policy.permissions.ts';
import { PolicyService } from '../service/policy.service.ts';
import {
  accessPageInput,
  assignmentIdInput,
  assignPolicyInput,
  createGroupInput,
  createPolicyInput,
  explainInput,
  groupIdInput,
  groupsPageInput,
  membershipInput,
  moveGroupInput,
  policyAuditInput,
  policyIdInput,
  updatePolicyInput,
  whatCanInput,
  whoCanInput,
  whoCanPageInput,
} from './policy.schema.ts';

const read = () => authorizedProcedure('policy:read');
const admin = () => authorizedProcedure('policy:admin');

/** policy.*: groups, policies and assignments of the realm the call is bound to. */
export const policyRouter = router({
  tree: read().query(({ ctx }) => ctx.scope.container.resolve(PolicyQueryService).tree()),
  group: read()
    .input(groupIdInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyQueryService).group(input.groupId)),
  policies: read().query(({ ctx }) => ctx.scope.container.resolve(PolicyQueryService).policies()),
  members: read().query(({ ctx }) => ctx.scope.container.resolve(PolicyQueryService).members()),
  explain: read()
    .input(explainInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyQueryService).explain(input)),
  whoCan: read()
    .input(whoCanInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyQueryService).whoCan(input)),
  whatCan: read()
    .input(whatCanInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyQueryService).whatCan(input)),
  audit: read()
    .input(policyAuditInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyQueryService).audit(input)),
  /** The groups page: the tree, one group in full, and what may be added or assigned to it. */
  groupsPage: read()
    .input(groupsPageInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyPages).groups(input.groupId)),
  /** The policies page: the permission catalogue and the realm's policies. */
  policiesPage: read().query(({ ctx }) => ctx.scope.container.resolve(PolicyPages).policies()),
  /** The effective-access page: every permission a member holds and why; a stranger is NOT_FOUND. */
  accessPage: read()
    .input(accessPageInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyPages).access(input.userId)),
  /** The who-can page: one page of the holders of a permission and what gives it to them. */
  whoCanPage: read()
    .input(whoCanPageInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(PolicyPages).whoCan(input)),
  /** The audit-trail page: the latest changes to access control and who made them. */
  auditPage: read().query(({ ctx }) => ctx.scope.container.resolve(PolicyPages).audit()),
  createGroup: admin()
    .input(createGroupInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).createGroup(input)),
  moveGroup: admin()
    .input(moveGroupInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).moveGroup(input)),
  deleteGroup: admin()
    .input(groupIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).deleteGroup(input.groupId)),
  addMember: admin()
    .input(membershipInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).addMember(input)),
  removeMember: admin()
    .input(membershipInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).removeMember(input)),
  createPolicy: admin()
    .input(createPolicyInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).createPolicy(input)),
  updatePolicy: admin()
    .input(updatePolicyInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).updatePolicy(input)),
  deletePolicy: admin()
    .input(policyIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).deletePolicy(input.policyId)),
  assign: admin()
    .input(assignPolicyInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).assign(input)),
  revoke: admin()
    .input(assignmentIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(PolicyService).revoke(input.assignmentId)),
});
