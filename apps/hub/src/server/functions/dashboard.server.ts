import { DashboardService } from '@nhi/dashboard';
import type { DashboardFilterInput } from '@nhi/dashboard/schema';
import type { DashboardOverview } from '@nhi/dashboard/view';
import type { RequestScope } from '@nhi/platform';

/** The realm's overview under the page's filter, from the service dashboard.overview serves. */
export function dashboardOverviewOf(
  scope: RequestScope,
  filter: DashboardFilterInput,
): Promise<DashboardOverview> {
  return scope.container.resolve(DashboardService).overview(filter);
}
