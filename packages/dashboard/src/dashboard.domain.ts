import { defineDomain } from '@nhi/platform';
import { dashboardPermissions } from './api/dashboard.permissions.ts';
import { dashboardRouter } from './api/dashboard.procedures.ts';
import { registerDashboardJobs } from './service/dashboard-jobs.ts';

/** The overview's figures; daily snapshots run as jobs. */
export const dashboardDomain = defineDomain({
  name: 'dashboard',
  router: dashboardRouter,
  permissions: dashboardPermissions,
  jobs: (runtime) => registerDashboardJobs(runtime),
});
