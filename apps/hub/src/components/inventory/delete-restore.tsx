import type { NhiDetail } from '@nhi/nhi';
import { useState } from 'react';
import { deleteNhi, restoreNhi } from '../../server/functions/nhi.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/** Soft delete: the identity leaves the inventory and keeps its history; restore brings it back. */
export function DeleteRestore({ nhi, onChanged }: { nhi: NhiDetail; onChanged: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const { pending, error, run: runAction } = usePendingAction();
  const run = (action: () => Promise<unknown>) =>
    runAction(action, async () => {
      setConfirming(false);
      await onChanged();
    });

  if (nhi.deletedAt) {
    return (
      <button
        type="button"
        className="button secondary small"
        onClick={() => run(() => restoreNhi({ data: { id: nhi.id } }))}
        disabled={pending}
        data-testid="restore-nhi"
      >
        {pending ? 'Restoring…' : 'Restore'}
      </button>
    );
  }
  return (
    <span className="delete-restore">
      {confirming ? (
        <InlineConfirm
          inline
          question="Remove from the inventory?"
          confirmLabel="Delete"
          pendingLabel="Deleting…"
          pending={pending}
          onConfirm={() => run(() => deleteNhi({ data: { id: nhi.id } }))}
          onCancel={() => setConfirming(false)}
          testId="confirm-delete-nhi"
        />
      ) : (
        <button
          type="button"
          className="button secondary small"
          onClick={() => setConfirming(true)}
          data-testid="delete-nhi"
        >
          Delete
        </button>
      )}
      <AlertMessage message={error} inline />
    </span>
  );
}
