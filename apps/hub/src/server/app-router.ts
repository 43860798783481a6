import { nhiRouter } from '@nhi/nhi';
import { platformRouter, router } from '@nhi/platform';
import { policyRouter } from '@nhi/policy';

/** Every domain's procedures under /api/trpc, one namespace per domain. */
export const appRouter = router({ platform: platformRouter, nhi: nhiRouter, policy: policyRouter });

export type AppRouter = typeof appRouter;
