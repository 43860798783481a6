import type { ScimTokenSummary } from '@nhi/platform';
import { useState } from 'react';
import { revokeScimToken } from '../../server/functions/scim-tokens.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

export function ScimTokenRow({
  token,
  onRevoked,
}: {
  token: ScimTokenSummary;
  onRevoked: () => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run } = usePendingAction();
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
        <tr className="confirm-row" data-testid="revoke-scim-confirmation" data-token-name={token.name}>
          <td colSpan={7}>
            <InlineConfirm
              question={
                <>
                  Revoke “{token.name}”? The identity provider using it is refused from its next request on
                  and provisions nothing more until given a new token. This cannot be undone.
                </>
              }
              confirmLabel="Revoke token"
              pendingLabel="Revoking…"
              pending={pending}
              onConfirm={() =>
                run(
                  () => revokeScimToken({ data: { id: token.id } }),
                  async () => {
                    setConfirming(false);
                    await onRevoked();
                  },
                )
              }
              onCancel={() => setConfirming(false)}
              testId="confirm-revoke-scim"
            />
            <AlertMessage message={error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
