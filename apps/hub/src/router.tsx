import { createRouter } from '@tanstack/react-router';
import { createIsomorphicFn } from '@tanstack/react-start';
import { NotFound } from './components/shared/not-found.tsx';
import { RouteError } from './components/shared/route-error.tsx';
import { type RealmOfPage, realmRewrite } from './lib/realm-url.ts';
import { routeTree } from './routeTree.gen';

/**
 * A fresh nonce per server render: the router stamps it on every script and style it
 * emits, and the root route's headers put the same value in the Content-Security-Policy.
 */
const ssrOptions = createIsomorphicFn()
  .server(() => ({ nonce: Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64') }))
  .client(() => undefined);

export function getRouter() {
  // One per router: a server render builds its own router, a browser tab keeps one.
  const realmOfPage: RealmOfPage = { slug: undefined };
  return createRouter({
    routeTree,
    context: { realmOfPage },
    rewrite: realmRewrite(realmOfPage),
    scrollRestoration: true,
    defaultPreload: false,
    // Unknown paths, and records a loader did not find (lib/not-found.ts), render this with 404.
    defaultNotFoundComponent: NotFound,
    // A page that failed to load keeps the frame around it and offers to try again.
    defaultErrorComponent: RouteError,
    ssr: ssrOptions(),
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof getRouter>;
  }
}
