import type { GroupDetail, PolicyChoice } from '@nhi/policy';
import { useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { assignPolicy } from '../../server/functions/policy.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { DialogClose, ModalDialog } from '../shared/modal-dialog.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/** Assigns a policy to the group and everything below it, with a reason and an optional expiry (UTC). */
export function AssignPolicyDialog({
  group,
  policies,
  onClose,
}: {
  group: GroupDetail;
  policies: PolicyChoice[];
  onClose: () => void;
}) {
  const router = useRouter();
  const action = usePendingAction();
  const [policyId, setPolicyId] = useState('');
  const [reason, setReason] = useState('');
  const [expiresAt, setExpiresAt] = useState('');

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void action.run(
      () =>
        assignPolicy({
          data: {
            policyId,
            groupId: group.id,
            reason,
            // The field is read as UTC, as every time on these pages is shown.
            expiresAt: expiresAt ? new Date(`${expiresAt}:00.000Z`) : null,
          },
        }),
      async () => {
        onClose();
        await router.invalidate();
      },
    );
  }

  return (
    <ModalDialog
      open
      // Escape, a click outside and Cancel close it, unless an assignment is on its way.
      onOpenChange={(open) => {
        if (!open && !action.pending) onClose();
      }}
      title={`Assign a policy to ${group.name}`}
      description={`It applies to ${group.name} and every group below it.`}
      testId="assign-dialog"
    >
      <form className="stack" onSubmit={onSubmit}>
        <label className="field">
          <span>Policy</span>
          <select
            value={policyId}
            onChange={(event) => setPolicyId(event.target.value)}
            required
            data-testid="assign-policy"
          >
            <option value="">Choose a policy…</option>
            {policies.map((policy) => (
              <option key={policy.id} value={policy.id}>
                {policy.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Reason</span>
          <input
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            required
            maxLength={500}
            data-testid="assign-reason"
          />
        </label>
        <label className="field">
          <span>Expires (UTC, optional)</span>
          <input
            type="datetime-local"
            value={expiresAt}
            onChange={(event) => setExpiresAt(event.target.value)}
            data-testid="assign-expires"
          />
        </label>
        <AlertMessage message={action.error} testId="assign-error" />
        <div className="dialog-actions">
          <DialogClose asChild>
            <button type="button" className="button secondary" disabled={action.pending}>
              Cancel
            </button>
          </DialogClose>
          <button type="submit" className="button" disabled={action.pending} data-testid="assign-submit">
            {action.pending ? 'Assigning…' : 'Assign'}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
