import type { NhiCredential } from '@nhi/nhi';
import { type FormEvent, useState } from 'react';
import { revokeCredential, rotateCredential } from '../../server/functions/nhi-credentials.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { AgeBadge, ExpiryBadge } from './badges.tsx';
import { credentialKindLabel } from './labels.ts';

type Mode = 'idle' | 'rotate' | 'revoke';

const columnCount = 8;

export function CredentialRow({
  credential,
  asOf,
  canWrite,
  onChanged,
}: {
  credential: NhiCredential;
  asOf: Date;
  canWrite: boolean;
  onChanged: () => Promise<void>;
}) {
  const [mode, setMode] = useState<Mode>('idle');
  const { pending, error, run: runAction } = usePendingAction();
  const issuedAt = credential.lastRotatedAt ?? credential.providerCreatedAt ?? credential.createdAt;
  const live = credential.status !== 'revoked';

  const run = (action: () => Promise<unknown>) =>
    runAction(action, async () => {
      setMode('idle');
      await onChanged();
    });

  function onRotate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const secret = String(data.get('secret') ?? '');
    const expires = String(data.get('expiresAt') ?? '');
    void run(() =>
      rotateCredential({
        data: {
          credentialId: credential.id,
          ...(secret ? { secret } : {}),
          expiresAt: expires ? new Date(`${expires}T00:00:00.000Z`) : null,
        },
      }),
    );
  }

  return (
    <>
      <tr data-testid="credential-row" data-credential-id={credential.id} data-status={credential.status}>
        <td>{credentialKindLabel[credential.kind] ?? credential.kind}</td>
        <td>
          <code data-testid="credential-hint">{credential.hint ?? '—'}</code>
          {credential.fingerprint ? (
            <span className="fingerprint" title={`Fingerprint (HMAC-SHA256): ${credential.fingerprint}`}>
              {credential.fingerprint.slice(0, 12)}…
            </span>
          ) : null}
        </td>
        <td>
          <span className={`status status-cred-${credential.status}`} data-testid="credential-status">
            {credential.status}
          </span>
        </td>
        <td>{live ? <AgeBadge since={issuedAt} asOf={asOf} /> : <span className="muted">—</span>}</td>
        <td>
          {live ? (
            <ExpiryBadge expiresAt={credential.expiresAt} asOf={asOf} />
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td>
          <InstantCell instant={issuedAt} empty="—" />
        </td>
        <td>
          <InstantCell instant={credential.lastUsedAt} empty="Never" />
        </td>
        <td className="actions">
          {canWrite && live ? (
            <span className="row-actions">
              <button
                type="button"
                className="button secondary small"
                onClick={() => setMode(mode === 'rotate' ? 'idle' : 'rotate')}
                aria-expanded={mode === 'rotate'}
                data-testid="rotate-credential"
              >
                Rotate
              </button>
              <button
                type="button"
                className="button secondary small"
                onClick={() => setMode(mode === 'revoke' ? 'idle' : 'revoke')}
                aria-expanded={mode === 'revoke'}
                data-testid="revoke-credential"
              >
                Revoke
              </button>
            </span>
          ) : null}
        </td>
      </tr>
      {mode === 'rotate' ? (
        <tr className="inline-row">
          <td colSpan={columnCount}>
            <form className="inline-form" onSubmit={onRotate} data-testid="rotate-form">
              <label className="field grow">
                <span>New secret (optional: leave empty to record the rotation date only)</span>
                <input
                  name="secret"
                  type="password"
                  autoComplete="off"
                  spellCheck={false}
                  data-testid="rotate-secret"
                />
              </label>
              <label className="field">
                <span>New expiry</span>
                <input name="expiresAt" type="date" />
              </label>
              <button type="submit" className="button small" disabled={pending} data-testid="confirm-rotate">
                {pending ? 'Rotating…' : 'Record rotation'}
              </button>
              <button
                type="button"
                className="button secondary small"
                onClick={() => setMode('idle')}
                disabled={pending}
              >
                Cancel
              </button>
            </form>
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
      {mode === 'revoke' ? (
        <tr className="confirm-row">
          <td colSpan={columnCount}>
            <InlineConfirm
              question="Mark this credential revoked? Record it here once it is revoked at the provider."
              confirmLabel="Revoke"
              pendingLabel="Revoking…"
              pending={pending}
              onConfirm={() => run(() => revokeCredential({ data: { credentialId: credential.id } }))}
              onCancel={() => setMode('idle')}
              testId="confirm-revoke-credential"
            />
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
