import { authorizedProcedure, router } from '@nhi/platform';
import './dashboard.permissions.ts';
import { dashboardFilterInput } from './dashboard.schema.ts';
import { DashboardService } from './dashboard.service.ts';

/** dashboard.*: the overview of the realm the call is bound to. */
export const dashboardRouter = router({
  overview: authorizedProcedure('dashboard:read')
    .input(dashboardFilterInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(DashboardService).overview(input)),
});
