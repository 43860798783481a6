import { definePermissions } from '@nhi/platform';

/** What the dashboard asks of a caller. Importing this module adds them to the catalogue. */
export const dashboardPermissions = definePermissions([
  {
    key: 'dashboard:read',
    description: 'See the dashboard: headline figures, charts, trends and what to fix first',
    grantedTo: ['admin', 'editor', 'viewer'],
    // Every figure and list counts over the caller's nhi:read and alert:read coverage.
    scopable: true,
  },
] as const);

export type DashboardPermission = (typeof dashboardPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<DashboardPermission, true> {}
}
