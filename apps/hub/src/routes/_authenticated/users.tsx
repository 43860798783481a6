import type { InvitedUser, LinkDelivery } from '@nhi/platform';
import { createFileRoute, getRouteApi, Link, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { LoadFailed } from '../../components/load-failed.tsx';
import { InviteUserForm } from '../../components/users/invite-user-form.tsx';
import { LinkReveal } from '../../components/users/link-reveal.tsx';
import { UserTable } from '../../components/users/user-table.tsx';
import { listUsers } from '../../server/functions/users.functions.ts';

const authenticated = getRouteApi('/_authenticated');

export const Route = createFileRoute('/_authenticated/users')({
  head: () => ({ meta: [{ title: 'Users · NHI Hub' }] }),
  loader: () => listUsers(),
  component: UsersPage,
  errorComponent: ({ error }) => <LoadFailed what="The users" error={error} testId="users-failed" />,
});

type Revealed = { email: string; outcome: LinkDelivery | Extract<InvitedUser, { delivery: 'none' }> };

function UsersPage() {
  const users = Route.useLoaderData();
  const { session } = authenticated.useRouteContext();
  const router = useRouter();
  // Held in memory only: a one-time link shown here is gone once dismissed.
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const refresh = () => router.invalidate();

  return (
    <div className="stack">
      <header className="page-header">
        <h1>Users</h1>
        <p className="muted">
          The people who belong to this realm. A new user gets a one-time link to choose a password; disabling
          an account ends its sessions and API tokens at once. A role changes this realm only, and removing a
          user from the realm leaves the account and its other realms as they are.
        </p>
        <p>
          An identity provider can provision users with a{' '}
          <Link to="/tokens" hash="scim-tokens" data-testid="users-scim-link">
            SCIM token
          </Link>
          .
        </p>
      </header>
      {revealed ? (
        <LinkReveal email={revealed.email} outcome={revealed.outcome} onDone={() => setRevealed(null)} />
      ) : null}
      <InviteUserForm
        onInvited={async (invited) => {
          setRevealed({ email: invited.user.email, outcome: invited });
          await refresh();
        }}
      />
      <UserTable
        users={users}
        selfEmail={session.email}
        onChanged={refresh}
        onLink={(email, outcome) => setRevealed({ email, outcome })}
      />
    </div>
  );
}
