import { REALM_HEADER } from '@nhi/platform/realm-header';
import { createMiddleware } from '@tanstack/react-start';
import { unreachableEvent } from '../../components/shared/hub-reachability.tsx';
import { realmOfPath } from '../../lib/realm-url.ts';

/**
 * Every serverFn call from a browser tab names the realm of the page it was made from (ADR 0036):
 * the tab's address is what the user sees, so it is what the call acts on, whatever realm another
 * tab of the same session shows. A call that reaches nobody tells the page, which says so and
 * waits for the hub to come back.
 */
export const realmHeader = createMiddleware({ type: 'function' }).client(async ({ next }) => {
  // A call made while the server renders a page runs this too: that page's URL names the realm.
  if (typeof window === 'undefined') return next();
  const realm = realmOfPath(window.location.pathname);
  try {
    return await next(realm ? { headers: { [REALM_HEADER]: realm } } : {});
  } catch (error) {
    // fetch rejects with a TypeError only when no answer came at all.
    if (error instanceof TypeError) window.dispatchEvent(new Event(unreachableEvent));
    throw error;
  }
});
