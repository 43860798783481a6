import type { LinkDelivery, RealmUser } from '@nhi/platform';
import { useState } from 'react';
import { disableUser, enableUser, resetUserPassword } from '../../server/functions/users.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

type Action = 'disable' | 'enable' | 'reset';

const statusLabel: Record<RealmUser['status'], string> = {
  active: 'Active',
  invited: 'Invited',
  disabled: 'Disabled',
};

const questions: Record<Action, (email: string) => string> = {
  disable: (email) =>
    `Disable ${email}? Their sessions and API tokens end at once, in every realm; they cannot log in until re-enabled.`,
  enable: (email) => `Re-enable ${email}? They can log in again; revoked sessions and tokens stay revoked.`,
  reset: (email) =>
    `Send ${email} a one-time link to choose a new password? Their current password works until they use it.`,
};

const confirmLabels: Record<Action, [string, string]> = {
  disable: ['Disable', 'Disabling…'],
  enable: ['Re-enable', 'Enabling…'],
  reset: ['Send reset link', 'Sending…'],
};

export function UserRow({
  user,
  self,
  onChanged,
  onLink,
}: {
  user: RealmUser;
  self: boolean;
  onChanged: () => Promise<void>;
  onLink: (email: string, outcome: LinkDelivery) => void;
}) {
  const [confirming, setConfirming] = useState<Action | null>(null);
  const { pending, error, run } = usePendingAction();

  function perform(action: Action) {
    const data = { userId: user.id };
    return run(
      async () => {
        if (action === 'disable') await disableUser({ data });
        else if (action === 'enable') await enableUser({ data });
        else onLink(user.email, await resetUserPassword({ data }));
      },
      async () => {
        setConfirming(null);
        await onChanged();
      },
    );
  }

  const actions: Action[] = !user.manageable
    ? []
    : user.status === 'disabled'
      ? ['enable']
      : self
        ? []
        : ['disable', 'reset'];

  return (
    <>
      <tr data-testid="user-row" data-email={user.email} data-status={user.status}>
        <td>
          <span className="token-name">{user.email}</span>
          {user.name ? <span className="token-scope">{user.name}</span> : null}
        </td>
        <td data-testid="user-role">{user.role}</td>
        <td>
          <span
            className={`status status-${user.status === 'active' ? 'active' : 'revoked'}`}
            data-testid="user-status"
          >
            {statusLabel[user.status]}
          </span>
        </td>
        <td data-testid="user-sign-in">
          {user.signInMethods.length > 0 ? user.signInMethods.join(', ') : '—'}
          {user.mfa ? ' + two-factor' : null}
        </td>
        <td>
          <InstantCell instant={user.lastLoginAt} empty="Never" />
        </td>
        <td className="actions">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className="button secondary small"
              onClick={() => setConfirming(action)}
              disabled={confirming !== null}
              data-testid={`user-${action}`}
            >
              {confirmLabels[action][0]}
            </button>
          ))}
          {!user.manageable ? (
            <span className="muted" title="The account also belongs to realms you do not administer">
              other realms
            </span>
          ) : null}
        </td>
      </tr>
      {confirming ? (
        <tr className="confirm-row" data-testid="user-confirmation">
          <td colSpan={6}>
            <InlineConfirm
              question={questions[confirming](user.email)}
              confirmLabel={confirmLabels[confirming][0]}
              pendingLabel={confirmLabels[confirming][1]}
              pending={pending}
              onConfirm={() => perform(confirming)}
              onCancel={() => setConfirming(null)}
              testId="confirm-user-action"
            />
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
