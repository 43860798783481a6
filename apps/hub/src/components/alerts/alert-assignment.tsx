import { type FormEvent, useState } from 'react';
import { assignAlert, listAlertAssignees } from '../../server/functions/alerts.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

interface Assignment {
  assigneeId: string | null;
  assignee: string | null;
  dueAt: Date | null;
}

interface Member {
  id: string;
  email: string;
}

const dayOf = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : '');

/**
 * Who answers for the alert and by when; those who may triage change it. The members to choose
 * from load when the form opens, not with every alert page.
 */
export function AlertAssignment({
  alertId,
  assignment,
  canAssign,
  onDone,
}: {
  alertId: string;
  assignment: Assignment;
  canAssign: boolean;
  onDone: () => Promise<void>;
}) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const opening = usePendingAction();
  const saving = usePendingAction();

  const current = assignment.assigneeId ? (assignment.assignee ?? 'a former member') : 'nobody';
  const summary = (
    <p data-testid="alert-assignment">
      Assigned to <strong data-testid="alert-assignee">{current}</strong>
      {assignment.dueAt ? (
        <>
          {' · due '}
          <time dateTime={assignment.dueAt.toISOString()} data-testid="alert-due">
            {dayOf(assignment.dueAt)}
          </time>
        </>
      ) : null}
    </p>
  );
  if (!canAssign) return summary;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const assigneeId = String(form.get('assignee') ?? '') || null;
    const due = String(form.get('due') ?? '');
    await saving.run(
      () =>
        assignAlert({
          data: {
            id: alertId,
            assigneeId,
            dueAt: assigneeId && due ? new Date(`${due}T00:00:00.000Z`) : null,
          },
        }),
      async () => {
        setMembers(null);
        await onDone();
      },
    );
  }

  return (
    <div className="alert-assignment">
      {summary}
      {members ? (
        <form className="inline-form" data-testid="assign-form" onSubmit={onSubmit}>
          <label className="field">
            <span>Assignee</span>
            <select name="assignee" defaultValue={assignment.assigneeId ?? ''} data-testid="assign-member">
              <option value="">Nobody</option>
              {members.map((member) => (
                <option key={member.id} value={member.id}>
                  {member.email}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Due (optional)</span>
            <input type="date" name="due" defaultValue={dayOf(assignment.dueAt)} data-testid="assign-due" />
          </label>
          <button type="submit" className="button small" disabled={saving.pending} data-testid="assign-save">
            Save
          </button>
          <button type="button" className="button small" onClick={() => setMembers(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="button small"
          disabled={opening.pending}
          data-testid="assign-open"
          onClick={() =>
            opening.run(
              () => listAlertAssignees(),
              (list) => setMembers(list),
            )
          }
        >
          Change assignee…
        </button>
      )}
      <AlertMessage message={opening.error ?? saving.error} testId="assign-error" />
    </div>
  );
}
