import type { TotpEnrolment as Enrolment, MfaStatus } from '@nhi/platform';
import { useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import {
  beginMfa,
  confirmMfa,
  disableMfa,
  setRealmMfaRequirement,
} from '../../server/functions/mfa.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { RecoveryCodes } from './recovery-codes.tsx';
import { TotpEnrolment } from './totp-enrolment.tsx';

function field(event: FormEvent<HTMLFormElement>, name: string): string {
  return String(new FormData(event.currentTarget).get(name) ?? '');
}

/**
 * The caller's second factor: set it up (password, QR code, first code, recovery codes) or remove
 * it (password and a code). `realmRequirement` is set for those who may require it of the realm.
 */
export function MfaSettings({
  status,
  realmRequirement,
}: {
  status: MfaStatus;
  realmRequirement: { required: boolean } | null;
}) {
  const router = useRouter();
  const action = usePendingAction();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  const refresh = () => router.invalidate();

  if (recoveryCodes) {
    return <RecoveryCodes codes={recoveryCodes} onDone={() => setRecoveryCodes(null)} />;
  }
  if (enrolment) {
    return (
      <TotpEnrolment
        enrolment={enrolment}
        error={action.error}
        pending={action.pending}
        onConfirm={(code) =>
          action.run(
            () => confirmMfa({ data: { code } }),
            async (confirmed) => {
              setEnrolment(null);
              setRecoveryCodes(confirmed.recoveryCodes);
              await refresh();
            },
          )
        }
      />
    );
  }

  return (
    <section className="card stack" aria-labelledby="mfa-settings-title" data-testid="mfa-settings">
      <h1 id="mfa-settings-title">Two-factor authentication</h1>
      <p data-testid="mfa-state">
        {status.enabled
          ? `On: logging in with a password asks for a code from your app. ${status.recoveryCodesLeft} recovery codes left.`
          : 'Off: your password alone logs you in.'}
      </p>
      {status.requiredBy.length > 0 ? (
        <p className="hint" data-testid="mfa-required-by">
          Required by: {status.requiredBy.join(', ')}
        </p>
      ) : null}
      {status.enabled ? (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            const password = field(event, 'password');
            const code = field(event, 'code').trim();
            const proof = /^\d{6}$/.test(code) ? { code } : { recoveryCode: code };
            action.run(() => disableMfa({ data: { password, ...proof } }), refresh);
          }}
          data-testid="mfa-disable-form"
        >
          <h2>Turn off</h2>
          <label className="field">
            <span>Password</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              data-testid="mfa-disable-password"
            />
          </label>
          <label className="field">
            <span>Code from the app, or a recovery code</span>
            <input name="code" autoComplete="one-time-code" required data-testid="mfa-disable-code" />
          </label>
          <AlertMessage message={action.error} testId="mfa-settings-error" />
          <button
            type="submit"
            className="button secondary"
            disabled={action.pending}
            data-testid="mfa-disable"
          >
            Turn off
          </button>
        </form>
      ) : (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            const password = field(event, 'password');
            action.run(() => beginMfa({ data: { password } }), setEnrolment);
          }}
          data-testid="mfa-begin-form"
        >
          <label className="field">
            <span>Current password</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              data-testid="mfa-begin-password"
            />
          </label>
          <AlertMessage message={action.error} testId="mfa-settings-error" />
          <button type="submit" className="button" disabled={action.pending} data-testid="mfa-begin">
            Set up an authenticator app
          </button>
        </form>
      )}
      {realmRequirement ? (
        <RealmRequirement required={realmRequirement.required} onChanged={refresh} />
      ) : null}
    </section>
  );
}

/** For the realm's admins: members logging in with a password must set up TOTP first. */
function RealmRequirement({ required, onChanged }: { required: boolean; onChanged: () => Promise<void> }) {
  const action = usePendingAction();
  return (
    <div className="stack" data-testid="mfa-realm-requirement">
      <h2>This realm</h2>
      <p data-testid="mfa-realm-required" data-required={required ? 'true' : 'false'}>
        {required
          ? 'Members who log in with a password must use two-factor authentication.'
          : 'Members choose whether to use two-factor authentication.'}
      </p>
      <div>
        <button
          type="button"
          className="button secondary"
          disabled={action.pending}
          onClick={() =>
            action.run(() => setRealmMfaRequirement({ data: { required: !required } }), onChanged)
          }
          data-testid="mfa-realm-toggle"
        >
          {required ? 'Stop requiring it' : 'Require it of every member'}
        </button>
      </div>
      <AlertMessage message={action.error} />
    </div>
  );
}
