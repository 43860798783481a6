import type { GroupDetail, GroupSummary, PolicyChoice } from '@nhi/policy';
import { useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { assignPolicy } from '../../server/functions/policy.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { DialogActions, ModalDialog } from '../shared/modal-dialog.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/**
 * Assigns a policy to the group and everything below it, with a reason, an optional expiry (UTC) and
 * an optional scope: the identities owned by one group's subtree instead of the whole realm.
 */
export function AssignPolicyDialog({
  group,
  policies,
  groups,
  onClose,
}: {
  group: GroupDetail;
  policies: PolicyChoice[];
  /** The groups a scope may name. */
  groups: GroupSummary[];
  onClose: () => void;
}) {
  const router = useRouter();
  const action = usePendingAction();
  const [policyId, setPolicyId] = useState('');
  const [reason, setReason] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [scopeGroupId, setScopeGroupId] = useState('');

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
            scopeGroupId: scopeGroupId || null,
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
        <label className="field">
          <span>Scope</span>
          <select
            value={scopeGroupId}
            onChange={(event) => setScopeGroupId(event.target.value)}
            data-testid="assign-scope"
          >
            <option value="">Whole realm</option>
            {groups
              .filter((choice) => !choice.builtInRole)
              .map((choice) => (
                <option key={choice.id} value={choice.id}>
                  Identities owned by {choice.name} and below
                </option>
              ))}
          </select>
        </label>
        <AlertMessage message={action.error} testId="assign-error" />
        <DialogActions
          pending={action.pending}
          label="Assign"
          pendingLabel="Assigning…"
          testId="assign-submit"
        />
      </form>
    </ModalDialog>
  );
}
