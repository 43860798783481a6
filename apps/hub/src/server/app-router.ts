import { alertRouter } from '@nhi/alert';
import { dashboardRouter } from '@nhi/dashboard';
import { nhiRouter } from '@nhi/nhi';
import { platformRouter, router } from '@nhi/platform';
import { policyRouter } from '@nhi/policy';
import { scannerRouter } from '@nhi/scanner';
import { pageRouter } from './pages/page.router.ts';

/** Every domain's procedures under /api/trpc, one namespace per domain; page.* composes them. */
export const appRouter = router({
  platform: platformRouter,
  nhi: nhiRouter,
  policy: policyRouter,
  scanner: scannerRouter,
  alert: alertRouter,
  dashboard: dashboardRouter,
  page: pageRouter,
});

export type AppRouter = typeof appRouter;
