import type { MyApiToken } from '@nhi/platform';
import { useState } from 'react';
import { revokeToken } from '../../server/functions/api-tokens.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

const statusLabel: Record<MyApiToken['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function TokenRow({ token, onRevoked }: { token: MyApiToken; onRevoked: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run } = usePendingAction();

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
            <InlineConfirm
              question={
                <>
                  Revoke “{token.name}”? Programs using it are refused from the next call on. This cannot be
                  undone.
                </>
              }
              confirmLabel="Revoke token"
              pendingLabel="Revoking…"
              pending={pending}
              onConfirm={() =>
                run(
                  () => revokeToken({ data: { id: token.id } }),
                  async () => {
                    setConfirming(false);
                    await onRevoked();
                  },
                )
              }
              onCancel={() => setConfirming(false)}
              testId="confirm-revoke"
            />
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
