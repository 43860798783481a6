import type { BuiltInRole, LinkDelivery, RealmUser } from '@nhi/platform';
import { type ChangeEvent, useState } from 'react';
import {
  disableUser,
  enableUser,
  removeUser,
  resetUserPassword,
  setUserRole,
} from '../../server/functions/users.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

type Action = 'disable' | 'enable' | 'reset' | 'remove' | 'demote';

const roles: BuiltInRole[] = ['admin', 'editor', 'viewer'];

const statusLabel: Record<RealmUser['status'], string> = {
  active: 'Active',
  invited: 'Invited',
  disabled: 'Disabled',
};

const questions: Record<Action, (email: string, role: BuiltInRole) => string> = {
  disable: (email) =>
    `Disable ${email}? Their sessions and API tokens end at once, in every realm; they cannot log in until re-enabled.`,
  enable: (email) => `Re-enable ${email}? They can log in again; revoked sessions and tokens stay revoked.`,
  reset: (email) =>
    `Send ${email} a one-time link to choose a new password? Their current password works until they use it.`,
  remove: (email) =>
    `Remove ${email} from this realm? Their API tokens for this realm are revoked and they lose access to it at once; the account and any other realms it belongs to stay.`,
  demote: (email, role) =>
    `Make ${email} ${role === 'editor' ? 'an editor' : 'a viewer'}? They stop being an admin of this realm at their next request.`,
};

const confirmLabels: Record<Action, [string, string]> = {
  disable: ['Disable', 'Disabling…'],
  enable: ['Re-enable', 'Enabling…'],
  reset: ['Send reset link', 'Sending…'],
  remove: ['Remove from realm', 'Removing…'],
  demote: ['Change role', 'Changing…'],
};

/** What the caller may do to the member from the row's buttons (the role has its own control). */
function actionsFor(user: RealmUser, self: boolean): Action[] {
  if (self) return [];
  // Removing touches this realm only: it is offered for accounts shared with other realms too.
  if (!user.manageable) return ['remove'];
  return user.status === 'disabled' ? ['enable', 'remove'] : ['disable', 'reset', 'remove'];
}

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
  // The role chosen in the select while its change is confirmed or under way.
  const [chosenRole, setChosenRole] = useState<BuiltInRole | null>(null);
  const { pending, error, setError, run } = usePendingAction();

  function changeRole(role: BuiltInRole) {
    setChosenRole(role);
    return run(
      () => setUserRole({ data: { userId: user.id, role } }),
      async () => {
        setConfirming(null);
        setChosenRole(null);
        await onChanged();
      },
    );
  }

  function perform(action: Action) {
    if (action === 'demote') return chosenRole ? changeRole(chosenRole) : undefined;
    const data = { userId: user.id };
    return run(
      async () => {
        if (action === 'disable') await disableUser({ data });
        else if (action === 'enable') await enableUser({ data });
        else if (action === 'remove') await removeUser({ data });
        else onLink(user.email, await resetUserPassword({ data }));
      },
      async () => {
        setConfirming(null);
        await onChanged();
      },
    );
  }

  function onRoleChange(event: ChangeEvent<HTMLSelectElement>) {
    const role = event.target.value as BuiltInRole;
    if (user.role === 'admin' && role !== 'admin') {
      // Taking admin rights away is asked first; any other change applies at once.
      setChosenRole(role);
      setConfirming('demote');
      return;
    }
    // Refused or not, the select shows the role the member holds once the call is over.
    void changeRole(role).then(() => setChosenRole(null));
  }

  function cancel() {
    setConfirming(null);
    setChosenRole(null);
    setError(null);
  }

  const actions = actionsFor(user, self);

  return (
    <>
      <tr data-testid="user-row" data-email={user.email} data-status={user.status} data-role={user.role}>
        <td>
          <span className="token-name">{user.email}</span>
          {user.name ? <span className="token-scope">{user.name}</span> : null}
        </td>
        <td data-testid="user-role">
          {self ? (
            <span title="Your own role is changed by another admin of this realm">{user.role}</span>
          ) : (
            <select
              aria-label={`Role of ${user.email} in this realm`}
              value={chosenRole ?? user.role}
              onChange={onRoleChange}
              disabled={pending || confirming !== null}
              data-testid="user-role-select"
            >
              {roles.map((role) => (
                <option key={role} value={role}>
                  {role}
                </option>
              ))}
            </select>
          )}
        </td>
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
              onClick={() => {
                setError(null);
                setConfirming(action);
              }}
              disabled={confirming !== null || pending}
              data-testid={`user-${action}`}
            >
              {confirmLabels[action][0]}
            </button>
          ))}
          {!user.manageable ? (
            <span
              className="muted"
              title="The account also belongs to realms you do not administer: it can be removed from this realm, not disabled"
            >
              other realms
            </span>
          ) : null}
        </td>
      </tr>
      {confirming ? (
        <tr className="confirm-row" data-testid="user-confirmation">
          <td colSpan={6}>
            <InlineConfirm
              question={questions[confirming](user.email, chosenRole ?? user.role)}
              confirmLabel={confirmLabels[confirming][0]}
              pendingLabel={confirmLabels[confirming][1]}
              pending={pending}
              onConfirm={() => perform(confirming)}
              onCancel={cancel}
              testId="confirm-user-action"
            />
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : error ? (
        // A role change made without a question failed: say why under the row.
        <tr className="confirm-row" data-testid="user-error">
          <td colSpan={6}>
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
