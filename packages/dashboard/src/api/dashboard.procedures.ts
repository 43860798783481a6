import { authorizedProcedure, router } from '@nhi/platform';
import './dashboard.permissions.ts';
import { DashboardService } from '../service/dashboard.service.ts';
import { combinedOverviewOf } from '../service/dashboard-combined-overview.ts';
import { GlobalSearch } from '../service/global-search.ts';
import { dashboardFilterInput, dashboardOverviewInput } from './dashboard.schema.ts';
import { globalSearchInput } from './global-search.schema.ts';
import { reportRouter } from './report.procedures.ts';

/** dashboard.*: the overview of the realm the call is bound to, or of all the caller's realms. */
export const dashboardRouter = router({
  /** `fresh`: counted anew rather than served from the last seconds' overview of an unchanged realm. */
  overview: authorizedProcedure('dashboard:read')
    .input(dashboardOverviewInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(DashboardService).served(input)),
  /**
   * Every realm of the logged-in user, each read with the user's permission in it (the guard
   * asks for the realm of the call; the others are checked one by one). Not with an API token.
   * The hub's: it reaches each realm where it is served, and reports those it could not reach.
   */
  combinedOverview: authorizedProcedure('dashboard:read', { hubOnly: true })
    .input(dashboardFilterInput)
    .query(({ ctx, input }) => combinedOverviewOf(ctx.root, ctx.scope, input)),
  /**
   * The quick search (Cmd/Ctrl-K): pages, identities, alerts and sources of the realm matching the
   * text. Anyone in the realm may ask; each kind is searched only with its own read permission.
   */
  search: authorizedProcedure('realm:read')
    .input(globalSearchInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(GlobalSearch).search(input)),
  /** The realm-wide posture report (page, PDF) and its email schedules. */
  report: reportRouter,
});
