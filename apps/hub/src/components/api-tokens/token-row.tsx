import type { MyApiToken } from '@nhi/platform';
import { useState } from 'react';
import { revokeToken } from '../../server/functions/api-tokens.functions.ts';
import { InstantCell } from '../shared/instant-cell.tsx';
import { RevokeConfirmRow } from '../shared/revoke-confirm-row.tsx';

const statusLabel: Record<MyApiToken['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function TokenRow({ token, onRevoked }: { token: MyApiToken; onRevoked: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);

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
        <RevokeConfirmRow
          name={token.name}
          consequence="Programs using it are refused from the next call on."
          revoke={() => revokeToken({ data: { id: token.id } })}
          onDone={async () => {
            setConfirming(false);
            await onRevoked();
          }}
          onCancel={() => setConfirming(false)}
          columns={7}
          testIds={{ row: 'revoke-confirmation', confirm: 'confirm-revoke' }}
        />
      ) : null}
    </>
  );
}
