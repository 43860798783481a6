import { createFileRoute, Outlet, redirect } from '@tanstack/react-router';
import { AppHeader } from '../components/app-header.tsx';
import { errorCodeOf } from '../lib/server-fn-error.ts';
import { listMyRealms } from '../server/functions/realm.functions.ts';

/** Every page behind a login: the session is checked before any of them loads. */
export const Route = createFileRoute('/_authenticated')({
  beforeLoad: async () => {
    try {
      return { session: await listMyRealms() };
    } catch (error) {
      if (errorCodeOf(error) === 'UNAUTHENTICATED') throw redirect({ to: '/login' });
      throw error;
    }
  },
  component: AuthenticatedLayout,
});

function AuthenticatedLayout() {
  const { session } = Route.useRouteContext();
  return (
    <>
      <AppHeader session={session} />
      <main className="page">
        <Outlet />
      </main>
    </>
  );
}
