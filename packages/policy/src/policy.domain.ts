import { defineDomain } from '@nhi/platform';
import { policyPermissions } from './api/policy.permissions.ts';
import { policyRouter } from './api/policy.procedures.ts';
import { registerPolicy } from './service/register-policy.ts';

/** Groups, policies and assignments; its decisions answer every permission check. */
export const policyDomain = defineDomain({
  name: 'policy',
  router: policyRouter,
  permissions: policyPermissions,
  services: (root) => {
    registerPolicy(root);
  },
});
