import type { MySession } from '@nhi/platform';
import { useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { signOutEverywhere } from '../../server/functions/account.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { TableScroll } from '../shared/table-scroll.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/** The caller's live sessions, and ending all of them (this one too). */
export function SessionList({ sessions }: { sessions: MySession[] }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run } = usePendingAction();

  return (
    <section className="card stack" aria-labelledby="sessions-title" data-testid="my-sessions">
      <h2 id="sessions-title">Sessions</h2>
      <TableScroll label="Sessions table">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Last active</th>
              <th scope="col">Expires</th>
              <th scope="col">Signed in with</th>
              <th scope="col">
                <span className="visually-hidden">This session</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr
                key={session.id}
                data-testid="session-row"
                data-current={session.current ? 'true' : 'false'}
              >
                <td>
                  <InstantCell instant={session.createdAt} empty="—" />
                </td>
                <td>
                  <InstantCell instant={session.lastActiveAt} empty="—" />
                </td>
                <td>
                  <InstantCell instant={session.expiresAt} empty="—" />
                </td>
                <td>{session.identityProvider ?? 'password'}</td>
                <td>{session.current ? <strong>This session</strong> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {confirming ? (
        <InlineConfirm
          question="Sign out every session, this one included?"
          confirmLabel="Sign out everywhere"
          pendingLabel="Signing out…"
          pending={pending}
          onConfirm={() =>
            run(
              () => signOutEverywhere(),
              async () => {
                await router.navigate({ to: '/login' });
              },
            )
          }
          onCancel={() => setConfirming(false)}
          testId="confirm-sign-out-everywhere"
        />
      ) : (
        <div>
          <button
            type="button"
            className="button secondary"
            onClick={() => setConfirming(true)}
            data-testid="sign-out-everywhere"
          >
            Sign out everywhere
          </button>
        </div>
      )}
      <AlertMessage message={error} />
    </section>
  );
}
