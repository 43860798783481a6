import { dashboardFilterInput, dashboardOverviewInput } from '@nhi/dashboard/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { agedDashboardOverviewOf } from './dashboard.server.ts';
import { combinedDashboardOverviewOf } from './dashboard-combined.server.ts';

/** The dashboard's data: figures, charts, trends and lists of the caller's realm, and their age. */
export const dashboardOverview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard:read')])
  .validator(inputValidator(dashboardOverviewInput))
  .handler(({ data, context }) => agedDashboardOverviewOf(context.scope, data));

/**
 * The combined overview of every realm the caller can read, each realm read with the caller's
 * permission in it (the guard asks for the current realm; the others are checked one by one).
 */
export const dashboardCombinedOverview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard:read')])
  .validator(inputValidator(dashboardFilterInput))
  .handler(({ data, context }) => combinedDashboardOverviewOf(context.scope, data));
