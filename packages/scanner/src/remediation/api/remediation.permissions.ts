import { definePermissions } from '@nhi/platform';

/** What remediation asks of a caller. Importing this module adds it to the catalogue. */
export const remediationPermissions = definePermissions([
  {
    key: 'nhi:remediate',
    description:
      'Run remediation actions at the provider: deactivate or delete keys, remove console passwords and deploy keys, remove repositories from app installations, delete legacy token Secrets (with a dry run first, and a second member’s approval when the realm asks for it)',
    grantedTo: ['admin'],
    scopable: true,
  },
] as const);

export type RemediationPermission = (typeof remediationPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<RemediationPermission, true> {}
}
