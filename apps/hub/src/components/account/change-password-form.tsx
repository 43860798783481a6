import { type FormEvent, useEffect, useState } from 'react';
import { changeMyPassword } from '../../server/functions/account.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { NewPasswordFields } from './new-password-fields.tsx';

/** Changes the password with the current one; the caller's other sessions end. */
export function ChangePasswordForm({ onChanged }: { onChanged: () => Promise<void> }) {
  const { pending, error, setError, run } = usePendingAction();
  const [done, setDone] = useState<string | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = String(form.get('newPassword') ?? '');
    setError(null);
    setDone(null);
    if (newPassword !== String(form.get('confirm') ?? '')) {
      setError('The two new passwords differ');
      return;
    }
    await run(
      () =>
        changeMyPassword({
          data: { currentPassword: String(form.get('currentPassword') ?? ''), newPassword },
        }),
      async (changed) => {
        formElement.reset();
        setDone(
          changed.sessionsRevoked > 0
            ? `Password changed; ${changed.sessionsRevoked} other session(s) signed out.`
            : 'Password changed.',
        );
        await onChanged();
      },
    );
  }

  return (
    <form
      className="card stack"
      onSubmit={onSubmit}
      aria-labelledby="password-title"
      data-testid="change-password-form"
    >
      <h2 id="password-title">Change password</h2>
      <p className="muted">
        At least 12 characters, not your email address. Your other sessions are signed out.
      </p>
      <label className="field">
        <span>Current password</span>
        <input
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          required
          data-testid="current-password"
        />
      </label>
      <NewPasswordFields name="newPassword" repeatLabel="Repeat the new password" />
      <AlertMessage message={error} testId="change-password-error" />
      {done ? (
        <p role="status" data-testid="change-password-done">
          {done}
        </p>
      ) : null}
      <div>
        <button
          type="submit"
          className="button"
          disabled={!hydrated || pending}
          data-testid="change-password-submit"
        >
          {pending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
