import { definePermissions } from '@nhi/platform';

/** What policy administration asks of a caller. Importing this module adds them to the catalogue. */
export const policyPermissions = definePermissions([
  {
    key: 'policy:read',
    description: 'See groups, policies, assignments, effective access and the policy audit trail',
    grantedTo: ['admin'],
  },
  {
    key: 'policy:admin',
    description: 'Manage groups, memberships, policies and assignments within one’s administered subtree',
    grantedTo: ['admin'],
  },
] as const);

export type PolicyPermission = (typeof policyPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<PolicyPermission, true> {}
}
