import { dashboardFilterInput } from '@nhi/dashboard/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { dashboardOverviewOf } from './dashboard.server.ts';

/** The dashboard's data: figures, charts, trends and lists of the caller's realm. */
export const dashboardOverview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard:read')])
  .validator(inputValidator(dashboardFilterInput))
  .handler(({ data, context }) => dashboardOverviewOf(context.scope, data));
