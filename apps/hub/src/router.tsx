import { createRouter } from '@tanstack/react-router';
import { createIsomorphicFn } from '@tanstack/react-start';
import { routeTree } from './routeTree.gen';

/**
 * A fresh nonce per server render: the router stamps it on every script and style it
 * emits, and the root route's headers put the same value in the Content-Security-Policy.
 */
const ssrOptions = createIsomorphicFn()
  .server(() => ({ nonce: Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64') }))
  .client(() => undefined);

export function getRouter() {
  return createRouter({
    routeTree,
    scrollRestoration: true,
    defaultPreload: false,
    ssr: ssrOptions(),
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof getRouter>;
  }
}
