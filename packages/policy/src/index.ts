// The public face of @nhi/policy: groups, policies, assignments and the decisions made from them.
// Zod shapes: '@nhi/policy/schema'.
import 'reflect-metadata';
import './policy.permissions.ts';

export { builtInPolicyKeys, builtInPolicyPermissions } from './builtin-policies.ts';
export { policyDomain } from './policy.domain.ts';
export { type PolicyPermission, policyPermissions } from './policy.permissions.ts';
export { policyRouter } from './policy.procedures.ts';
export { PolicyService } from './policy.service.ts';
export { PolicyAdministrationDenied } from './policy-authority.ts';
export { PolicyDecisions } from './policy-decisions.ts';
export type { EffectiveAccess, Grant, Page, WhatCanEntry, WhoCanEntry } from './policy-engine.ts';
export type {
  AccessPage,
  GroupsPage,
  PoliciesPage,
  PolicyAuditPage,
  WhoCanPage,
} from './policy-pages.ts';
export {
  type AssignmentView,
  type Explanation,
  type GroupDetail,
  type GroupSummary,
  type JsonValue,
  type PolicyAuditEntry,
  type PolicyCatalogue,
  type PolicyChoice,
  PolicyQueryService,
  type RealmMemberChoice,
} from './policy-query.service.ts';
export { registerPolicy } from './register-policy.ts';
