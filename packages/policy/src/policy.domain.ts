import { defineDomain } from '@nhi/platform';
import { policyPermissions } from './policy.permissions.ts';
import { policyRouter } from './policy.procedures.ts';
import { registerPolicy } from './register-policy.ts';

/** Groups, policies and assignments; its decisions answer every permission check. */
export const policyDomain = defineDomain({
  name: 'policy',
  router: policyRouter,
  permissions: policyPermissions,
  services: (root) => {
    registerPolicy(root);
  },
});
