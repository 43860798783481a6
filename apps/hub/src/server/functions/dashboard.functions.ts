import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The dashboard's data: figures, charts, trends and lists of the caller's realm, and their age. */
export const dashboardOverview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard.overview')])
  .validator(inputOf('dashboard.overview'))
  .handler(({ data, context }) => context.rpc.dashboard.overview.query(data));

/** The combined overview of every realm the caller can read, each with the caller's permission in it. */
export const dashboardCombinedOverview = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard.combinedOverview')])
  .validator(inputOf('dashboard.combinedOverview'))
  .handler(({ data, context }) => context.rpc.dashboard.combinedOverview.query(data));
