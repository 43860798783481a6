import type { ScimTokenSummary } from '@nhi/platform';
import { useState } from 'react';
import { revokeScimToken } from '../../server/functions/scim-tokens.functions.ts';
import { InstantCell } from '../shared/instant-cell.tsx';
import { RevokeConfirmRow } from '../shared/revoke-confirm-row.tsx';

export function ScimTokenRow({
  token,
  onRevoked,
}: {
  token: ScimTokenSummary;
  onRevoked: () => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const status = token.revokedAt ? 'revoked' : 'active';

  return (
    <>
      <tr data-testid="scim-token-row" data-token-name={token.name} data-status={status}>
        <td>
          <span className="token-name">{token.name}</span>
        </td>
        <td>
          <code>{token.prefix}…</code>
        </td>
        <td>{token.defaultRole}</td>
        <td>
          <InstantCell instant={token.createdAt} empty="—" />
        </td>
        <td data-testid="scim-token-last-used">
          <InstantCell instant={token.lastUsedAt} empty="Never" />
        </td>
        <td>
          <span className={`status status-${status}`} data-testid="scim-token-status">
            {token.revokedAt ? 'Revoked' : 'Active'}
          </span>
        </td>
        <td className="actions">
          {token.revokedAt ? null : (
            <button
              type="button"
              className="button secondary small"
              onClick={() => setConfirming(true)}
              disabled={confirming}
              aria-expanded={confirming}
              aria-label={`Revoke SCIM token ${token.name}`}
              data-testid="revoke-scim-token"
            >
              Revoke
            </button>
          )}
        </td>
      </tr>
      {confirming ? (
        <RevokeConfirmRow
          name={token.name}
          consequence="The identity provider using it is refused from its next request on and provisions nothing more until given a new token."
          revoke={() => revokeScimToken({ data: { id: token.id } })}
          onDone={async () => {
            setConfirming(false);
            await onRevoked();
          }}
          onCancel={() => setConfirming(false)}
          columns={7}
          testIds={{ row: 'revoke-scim-confirmation', confirm: 'confirm-revoke-scim' }}
        />
      ) : null}
    </>
  );
}
