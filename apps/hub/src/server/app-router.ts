import { platformRouter, router } from '@nhi/platform';

/** Every domain's procedures under /api/trpc, one namespace per domain. */
export const appRouter = router({ platform: platformRouter });

export type AppRouter = typeof appRouter;
