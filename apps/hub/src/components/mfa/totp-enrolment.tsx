import type { TotpEnrolment as Enrolment } from '@nhi/platform';
import { type FormEvent, useState } from 'react';
import { AlertMessage } from '../shared/alert-message.tsx';
import { TotpQr } from './totp-qr.tsx';

/** Scan (or type) the secret, then prove it with the app's first code. */
export function TotpEnrolment({
  enrolment,
  error,
  pending,
  onConfirm,
}: {
  enrolment: Enrolment;
  error: string | null;
  pending: boolean;
  onConfirm: (code: string) => void;
}) {
  const [code, setCode] = useState('');
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onConfirm(code.trim());
  }
  return (
    <form
      className="card stack"
      onSubmit={onSubmit}
      aria-labelledby="enrol-title"
      data-testid="totp-enrolment"
    >
      <h2 id="enrol-title">Set up your authenticator app</h2>
      <p>Scan the code with Google Authenticator, 1Password, Authy or any TOTP app.</p>
      <TotpQr uri={enrolment.uri} />
      <p className="hint">
        Cannot scan? Enter this key: <code data-testid="totp-secret">{enrolment.secret}</code>
      </p>
      <input type="hidden" value={enrolment.uri} data-testid="totp-uri" readOnly />
      <label className="field">
        <span>Code from the app</span>
        <input
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="\d{6}"
          maxLength={6}
          required
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
          data-testid="totp-enrol-code"
        />
      </label>
      <AlertMessage message={error} testId="totp-enrol-error" />
      <button type="submit" className="button" disabled={pending} data-testid="totp-enrol-confirm">
        {pending ? 'Checking…' : 'Turn on'}
      </button>
    </form>
  );
}
