import { domainRouters, router } from '@nhi/platform';
import { hubDomains } from './domains.ts';
import { pageRouter } from './pages/page.router.ts';

/** Every domain's procedures under /api/trpc, one namespace per domain; page.* composes them. */
export const appRouter = router({
  ...domainRouters(hubDomains),
  page: pageRouter,
});

export type AppRouter = typeof appRouter;
