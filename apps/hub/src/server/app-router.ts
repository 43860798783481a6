import { alertRouter } from '@nhi/alert';
import { dashboardRouter } from '@nhi/dashboard';
import { nhiRouter } from '@nhi/nhi';
import { platformRouter, router } from '@nhi/platform';
import { policyRouter } from '@nhi/policy';
import { scannerRouter } from '@nhi/scanner';

/** Every domain's procedures under /api/trpc, one namespace per domain. */
export const appRouter = router({
  platform: platformRouter,
  nhi: nhiRouter,
  policy: policyRouter,
  scanner: scannerRouter,
  alert: alertRouter,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
