import { alertRouter } from '@nhi/alert';
import { nhiRouter } from '@nhi/nhi';
import { platformRouter, router } from '@nhi/platform';

/** Every domain's procedures under /api/trpc, one namespace per domain. */
export const appRouter = router({ platform: platformRouter, nhi: nhiRouter, alert: alertRouter });

export type AppRouter = typeof appRouter;
