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
  {
    key: 'report:read',
    description: 'See and download the realm-wide posture report (page and PDF)',
    grantedTo: ['admin', 'editor', 'viewer'],
    // Reports count the whole realm: a member whose grants cover some teams is refused with a
    // message that says so, rather than a report of part of the realm.
    scopable: true,
  },
  {
    key: 'report:manage',
    description: 'Schedule posture reports by email: list, add, change and remove schedules',
    grantedTo: ['admin'],
  },
] as const);

export type DashboardPermission = (typeof dashboardPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<DashboardPermission, true> {}
}
