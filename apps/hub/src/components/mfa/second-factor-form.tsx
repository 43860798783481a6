import { type FormEvent, useState } from 'react';
import { AlertMessage } from '../shared/alert-message.tsx';

export interface SecondFactorAnswer {
  code?: string;
  recoveryCode?: string;
}

/** The login's second step: the app's current code, or one of the recovery codes. */
export function SecondFactorForm({
  error,
  pending,
  onSubmit,
}: {
  error: string | null;
  pending: boolean;
  onSubmit: (answer: SecondFactorAnswer) => void;
}) {
  const [useRecovery, setUseRecovery] = useState(false);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get('code') ?? '').trim();
    onSubmit(useRecovery ? { recoveryCode: value } : { code: value });
  }
  return (
    <form className="card login-card" onSubmit={submit} aria-labelledby="mfa-title" data-testid="mfa-form">
      <h1 id="mfa-title">Two-factor authentication</h1>
      <label className="field">
        <span>{useRecovery ? 'Recovery code' : 'Code from your authenticator app'}</span>
        <input
          key={useRecovery ? 'recovery' : 'totp'}
          name="code"
          autoComplete="one-time-code"
          {...(useRecovery ? {} : { inputMode: 'numeric' as const, pattern: '\\d{6}', maxLength: 6 })}
          required
          // biome-ignore lint/a11y/noAutofocus: the only field of this step, reached right after the password
          autoFocus
          data-testid="mfa-code"
        />
      </label>
      <AlertMessage message={error} testId="mfa-error" />
      <button type="submit" className="button" disabled={pending} data-testid="mfa-submit">
        {pending ? 'Checking…' : 'Verify'}
      </button>
      <button
        type="button"
        className="button secondary"
        onClick={() => setUseRecovery(!useRecovery)}
        data-testid="mfa-use-recovery"
      >
        {useRecovery ? 'Use a code from the app' : 'Use a recovery code'}
      </button>
    </form>
  );
}
