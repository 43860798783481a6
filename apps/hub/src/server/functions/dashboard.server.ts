import { DashboardService } from '@nhi/dashboard';
import type { DashboardOverviewInput } from '@nhi/dashboard/schema';
import type { DashboardOverview } from '@nhi/dashboard/view';
import type { RequestScope } from '@nhi/platform';

/** The realm's overview under the page's filter, from the service dashboard.overview serves. */
export function dashboardOverviewOf(
  scope: RequestScope,
  input: DashboardOverviewInput,
): Promise<DashboardOverview> {
  const { fresh, ...filter } = input;
  return scope.container.resolve(DashboardService).overview(filter, { fresh });
}

/**
 * The overview with how old its figures are when sent (an unchanged realm is served what was
 * counted a few seconds before): the page's "updated N s ago" starts from there, whatever the
 * browser's clock says.
 */
export async function agedDashboardOverviewOf(
  scope: RequestScope,
  input: DashboardOverviewInput,
): Promise<{ overview: DashboardOverview; ageMs: number }> {
  const overview = await dashboardOverviewOf(scope, input);
  const ageMs = Math.max(0, scope.context.clock.now().getTime() - new Date(overview.asOf).getTime());
  return { overview, ageMs };
}
