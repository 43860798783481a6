import type { MyApiToken } from '@nhi/platform';
import { useState } from 'react';
import { revokeToken } from '../../server/functions/api-tokens.functions.ts';
import { InstantCell } from './instant-cell.tsx';
import { useFailureMessage } from './use-failure-message.ts';

const statusLabel: Record<MyApiToken['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function TokenRow({ token, onRevoked }: { token: MyApiToken; onRevoked: () => Promise<void> }) {
  const failureMessage = useFailureMessage();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onConfirm() {
    setPending(true);
    setError(null);
    try {
      await revokeToken({ data: { id: token.id } });
      setConfirming(false);
      await onRevoked();
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <tr data-testid="token-row" data-token-name={token.name} data-status={token.status}>
        <td>
          <span className="token-name">{token.name}</span>
          <span className="token-scope">
            {token.permissions.length > 0 ? token.permissions.join(', ') : 'all of your permissions'}
          </span>
        </td>
        <td>
          <code>{token.prefix}…</code>
        </td>
        <td>
          <InstantCell instant={token.createdAt} empty="—" />
        </td>
        <td>
          <InstantCell instant={token.expiresAt} empty="Never" />
        </td>
        <td data-testid="token-last-used">
          <InstantCell instant={token.lastUsedAt} empty="Never" />
        </td>
        <td>
          <span className={`status status-${token.status}`} data-testid="token-status">
            {statusLabel[token.status]}
          </span>
        </td>
        <td className="actions">
          {token.status === 'revoked' ? null : (
            <button
              type="button"
              className="button secondary small"
              onClick={() => setConfirming(true)}
              disabled={confirming}
              aria-expanded={confirming}
              data-testid="revoke-token"
            >
              Revoke
            </button>
          )}
        </td>
      </tr>
      {confirming ? (
        <tr className="confirm-row" data-testid="revoke-confirmation" data-token-name={token.name}>
          <td colSpan={7}>
            <div className="confirm">
              <span>
                Revoke “{token.name}”? Programs using it are refused from the next call on. This cannot be
                undone.
              </span>
              <button
                type="button"
                className="button danger small"
                onClick={onConfirm}
                disabled={pending}
                data-testid="confirm-revoke"
              >
                {pending ? 'Revoking…' : 'Revoke token'}
              </button>
              <button
                type="button"
                className="button secondary small"
                onClick={() => setConfirming(false)}
                disabled={pending}
              >
                Cancel
              </button>
            </div>
            {error ? (
              <p role="alert" className="error">
                {error}
              </p>
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}
