import type { InvitedUser } from '@nhi/platform';
import { type FormEvent, useEffect, useState } from 'react';
import { inviteUser } from '../../server/functions/users.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

const roles = ['viewer', 'editor', 'admin'] as const;

/** Opens as a dialog from the page's button; invites by email with a role in this realm. */
export function InviteUserForm({ onInvited }: { onInvited: (invited: InvitedUser) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const { pending, error, run } = usePendingAction();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const role = String(form.get('role') ?? 'viewer') as (typeof roles)[number];
    await run(
      () => inviteUser({ data: { email: String(form.get('email') ?? ''), role } }),
      async (invited) => {
        setOpen(false);
        await onInvited(invited);
      },
    );
  }

  if (!open) {
    return (
      <div>
        <button
          type="button"
          className="button"
          onClick={() => setOpen(true)}
          disabled={!hydrated}
          data-testid="open-invite"
        >
          Invite a user
        </button>
      </div>
    );
  }
  return (
    <div
      role="dialog"
      aria-modal="false"
      aria-labelledby="invite-title"
      className="card stack"
      data-testid="invite-dialog"
    >
      <form className="stack" onSubmit={onSubmit}>
        <h2 id="invite-title">Invite a user</h2>
        <label className="field">
          <span>Email</span>
          <input
            name="email"
            type="email"
            required
            maxLength={320}
            autoComplete="off"
            data-testid="invite-email"
          />
        </label>
        <label className="field">
          <span>Role in this realm</span>
          <select name="role" defaultValue="viewer" data-testid="invite-role">
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
        <AlertMessage message={error} testId="invite-error" />
        <div className="confirm">
          <button type="submit" className="button" disabled={pending} data-testid="invite-submit">
            {pending ? 'Inviting…' : 'Send invitation'}
          </button>
          <button
            type="button"
            className="button secondary"
            onClick={() => setOpen(false)}
            disabled={pending}
          >
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
