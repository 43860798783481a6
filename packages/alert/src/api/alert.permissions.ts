import { definePermissions } from '@nhi/platform';

/** What alerting asks of a caller. Importing this module adds them to the catalogue. */
export const alertPermissions = definePermissions([
  {
    key: 'alert:read',
    description: 'See alerts, their history, the rule catalogue and risk scores',
    grantedTo: ['admin', 'editor', 'viewer'],
    scopable: true,
  },
  {
    key: 'alert:ack',
    description: 'Acknowledge, resolve, suppress and assign alerts, and comment on them',
    grantedTo: ['admin', 'editor'],
    scopable: true,
  },
  {
    key: 'alert:configure',
    description: 'Turn alert rules on or off and change their thresholds, channels and routing',
    grantedTo: ['admin'],
  },
] as const);

export type AlertPermission = (typeof alertPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<AlertPermission, true> {}
}
