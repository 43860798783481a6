import type { ReactNode } from 'react';
import { AlertMessage } from './alert-message.tsx';
import { InlineConfirm } from './inline-confirm.tsx';
import { usePendingAction } from './use-pending-action.ts';

/**
 * The row under a token that asks before revoking it: what revoking does, then the revoke itself,
 * its failure shown in place. Every kind of token (API, SCIM) asks the same way.
 */
export function RevokeConfirmRow({
  name,
  consequence,
  revoke,
  onDone,
  onCancel,
  columns,
  testIds,
}: {
  name: string;
  consequence: ReactNode;
  revoke: () => Promise<unknown>;
  onDone: () => Promise<void>;
  onCancel: () => void;
  columns: number;
  testIds: { row: string; confirm: string };
}) {
  const { pending, error, run } = usePendingAction();
  return (
    <tr className="confirm-row" data-testid={testIds.row} data-token-name={name}>
      <td colSpan={columns}>
        <InlineConfirm
          question={
            <>
              Revoke “{name}”? {consequence} This cannot be undone.
            </>
          }
          confirmLabel="Revoke token"
          pendingLabel="Revoking…"
          pending={pending}
          onConfirm={() => run(revoke, onDone)}
          onCancel={onCancel}
          testId={testIds.confirm}
        />
        <AlertMessage message={error} />
      </td>
    </tr>
  );
}
