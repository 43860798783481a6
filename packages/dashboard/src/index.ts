// The public face of @nhi/dashboard: the realm's overview. Zod shapes: '@nhi/dashboard/schema';
// views and links for the page (no zod): '@nhi/dashboard/view', '@nhi/dashboard/links'.
import 'reflect-metadata';
import './dashboard.permissions.ts';

export { dashboardDomain } from './dashboard.domain.ts';
export { type DashboardPermission, dashboardPermissions } from './dashboard.permissions.ts';
export { dashboardRouter } from './dashboard.procedures.ts';
export { DashboardService, DashboardSnapshots } from './dashboard.service.ts';
export {
  type CombinedOverview,
  combineOverviews,
  type RealmOverview,
  type RealmRef,
} from './dashboard-combine.ts';
export type { ServedCombinedOverview } from './dashboard-combined-overview.ts';
export {
  type DashboardJobsRuntime,
  dashboardJobNames,
  defaultSnapshotCron,
  registerDashboardJobs,
} from './dashboard-jobs.ts';
export { DashboardOverviewCache, overviewMaxAgeMs } from './dashboard-overview-cache.ts';
export type * from './dashboard-view.ts';
