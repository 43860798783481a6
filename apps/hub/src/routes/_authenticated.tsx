import { createFileRoute, notFound, Outlet, redirect } from '@tanstack/react-router';
import { createIsomorphicFn } from '@tanstack/react-start';
import { getRequest } from '@tanstack/react-start/server';
import { AppHeader } from '../components/app-header.tsx';
import { HubReachability } from '../components/shared/hub-reachability.tsx';
import { contentId } from '../components/shared/skip-link.tsx';
import { realmOfPath, withRealm } from '../lib/realm-url.ts';
import { errorCodeOf } from '../lib/server-fn-error.ts';
import { listMyRealms } from '../server/functions/realm.functions.ts';

/**
 * Every page behind a login: the session is checked before any of them loads, in the realm the
 * URL names (ADR 0036). A page reached without a realm in its URL moves to the same page in the
 * session's realm, so every address in the bar can be shared as it is.
 */
type Session = Awaited<ReturnType<typeof listMyRealms>>;

/** Whether the address asked for names a realm (an old bookmark, `/`, or the landing after login does not). */
const addressNamesRealm = createIsomorphicFn()
  .server(() => realmOfPath(new URL(getRequest().url).pathname) !== undefined)
  .client(() => realmOfPath(window.location.pathname) !== undefined);

// The browser's last answer, kept so that a page which cannot reach the hub still shows the
// frame (navigation, the "cannot reach" banner) around its error. Never used on the server.
let lastSessionInBrowser: Session | undefined;

export const Route = createFileRoute('/_authenticated')({
  beforeLoad: async ({ context, location }) => {
    let session: Session;
    try {
      session = await listMyRealms();
      if (typeof window !== 'undefined') lastSessionInBrowser = session;
    } catch (error) {
      // No answer at all (fetch rejects with a TypeError): the page's own load fails inside the frame.
      if (error instanceof TypeError && lastSessionInBrowser) return { session: lastSessionInBrowser };
      const code = errorCodeOf(error);
      // Back to this very page after logging in, realm included.
      if (code === 'UNAUTHENTICATED') throw redirect({ to: '/login', search: { next: location.publicHref } });
      // A realm that does not exist, or is not the user's, is not found like any record of it.
      if (code === 'NOT_FOUND') {
        context.realmOfPage.slug = undefined;
        throw notFound();
      }
      throw error;
    }
    context.realmOfPage.slug = session.current;
    if (!addressNamesRealm()) {
      // A redirect's href is taken as it is (no rewrite): written here with the realm.
      const href = `${withRealm(location.pathname, session.current)}${location.searchStr}${location.hash ? `#${location.hash}` : ''}`;
      throw redirect({ href, replace: true });
    }
    return { session };
  },
  component: AuthenticatedLayout,
});

function AuthenticatedLayout() {
  const { session, realmOfPage } = Route.useRouteContext();
  // Links this page renders carry its realm, also right after hydration in the browser.
  realmOfPage.slug = session.current;
  return (
    <>
      <AppHeader session={session} />
      <HubReachability />
      <main className="page" id={contentId} tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
