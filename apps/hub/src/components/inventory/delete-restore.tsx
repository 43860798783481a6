import type { NhiDetail } from '@nhi/nhi';
import { useState } from 'react';
import { deleteNhi, restoreNhi } from '../../server/functions/nhi.functions.ts';
import { useFailureMessage } from '../api-tokens/use-failure-message.ts';

/** Soft delete: the identity leaves the inventory and keeps its history; restore brings it back. */
export function DeleteRestore({ nhi, onChanged }: { nhi: NhiDetail; onChanged: () => Promise<void> }) {
  const failureMessage = useFailureMessage();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>) {
    setPending(true);
    setError(null);
    try {
      await action();
      setConfirming(false);
      await onChanged();
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

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
        <span className="confirm">
          <span>Remove from the inventory?</span>
          <button
            type="button"
            className="button danger small"
            onClick={() => run(() => deleteNhi({ data: { id: nhi.id } }))}
            disabled={pending}
            data-testid="confirm-delete-nhi"
          >
            {pending ? 'Deleting…' : 'Delete'}
          </button>
          <button
            type="button"
            className="button secondary small"
            onClick={() => setConfirming(false)}
            disabled={pending}
          >
            Cancel
          </button>
        </span>
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
      {error ? (
        <span role="alert" className="error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
