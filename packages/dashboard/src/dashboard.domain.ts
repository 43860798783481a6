import { defineDomain } from '@nhi/platform';
import { dashboardPermissions } from './dashboard.permissions.ts';
import { dashboardRouter } from './dashboard.procedures.ts';
import { registerDashboardJobs } from './dashboard-jobs.ts';

/** The overview's figures; daily snapshots run as jobs. */
export const dashboardDomain = defineDomain({
  name: 'dashboard',
  router: dashboardRouter,
  permissions: dashboardPermissions,
  jobs: (runtime) => registerDashboardJobs(runtime),
});
