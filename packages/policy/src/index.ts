// The public face of @nhi/policy: groups, policies, assignments and the decisions made from them.
// Zod shapes: '@nhi/policy/schema'.
import 'reflect-metadata';
import './api/policy.permissions.ts';

export { policyDomain } from './policy.domain.ts';
export { PolicyService } from './service/policy.service.ts';
export { PolicyDecisions } from './service/policy-decisions.ts';
export type { Grant } from './service/policy-engine.ts';
export type {
  GroupDetail,
  GroupSummary,
  PolicyChoice,
  RealmMemberChoice,
} from './service/policy-query.service.ts';
export { registerPolicy } from './service/register-policy.ts';
