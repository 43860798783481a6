import type { FormEvent } from 'react';
import { addCredential } from '../../server/functions/nhi-credentials.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { credentialKindLabel } from './labels.ts';
import type { AddCredentialInput } from './nhi-schema.ts';
import { credentialKinds } from './nhi-vocabulary.ts';

function dateOrNull(value: FormDataEntryValue | null): Date | null {
  return typeof value === 'string' && value ? new Date(`${value}T00:00:00.000Z`) : null;
}

/**
 * The secret is read from the field at submit, sent once, and the field cleared: it is held in no
 * state, and only its fingerprint and hint come back.
 */
export function AddCredentialForm({ nhiId, onAdded }: { nhiId: string; onAdded: () => Promise<void> }) {
  const { pending, error, setError, run } = usePendingAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const secret = String(data.get('secret') ?? '');
    if (!secret) {
      setError('Paste the secret: only its fingerprint and hint are kept.');
      return;
    }
    const input: AddCredentialInput = {
      nhiId,
      kind: String(data.get('kind')) as AddCredentialInput['kind'],
      secret,
      expiresAt: dateOrNull(data.get('expiresAt')),
      ...(dateOrNull(data.get('issuedAt')) ? { lastRotatedAt: dateOrNull(data.get('issuedAt')) } : {}),
    };
    await run(
      () => addCredential({ data: input }),
      async () => {
        form.reset();
        await onAdded();
      },
    );
  }

  return (
    <form
      className="stack add-credential"
      onSubmit={onSubmit}
      aria-labelledby="add-credential-title"
      data-testid="add-credential-form"
    >
      <h3 id="add-credential-title">Add a credential</h3>
      <div className="form-row">
        <label className="field">
          <span>Kind</span>
          <select name="kind" defaultValue="api_key" data-testid="credential-kind">
            {credentialKinds.map((kind) => (
              <option key={kind} value={kind}>
                {credentialKindLabel[kind]}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Secret</span>
          <input
            name="secret"
            type="password"
            required
            autoComplete="off"
            spellCheck={false}
            maxLength={65_536}
            aria-describedby="credential-secret-hint"
            data-testid="credential-secret"
          />
        </label>
        <label className="field">
          <span>Issued or rotated</span>
          <input name="issuedAt" type="date" data-testid="credential-issued" />
        </label>
        <label className="field">
          <span>Expires</span>
          <input name="expiresAt" type="date" data-testid="credential-expires" />
        </label>
      </div>
      <p id="credential-secret-hint" className="hint">
        Sent once to compute a fingerprint (HMAC-SHA256) and a short hint. The secret itself is never stored
        or shown again.
      </p>
      <AlertMessage message={error} testId="add-credential-error" />
      <div>
        <button type="submit" className="button small" disabled={pending} data-testid="add-credential">
          {pending ? 'Adding…' : 'Add credential'}
        </button>
      </div>
    </form>
  );
}
