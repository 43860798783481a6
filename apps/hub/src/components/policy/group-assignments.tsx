import type { GroupDetail, GroupSummary, PolicyChoice } from '@nhi/policy';
import { useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { revokeAssignment } from '../../server/functions/policy.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { AssignPolicyDialog } from './assign-policy-dialog.tsx';

/** Assignments on the group itself and those it inherits from its ancestors. */
export function GroupAssignments({
  group,
  policies,
  groups,
  canAdminister,
}: {
  group: GroupDetail;
  policies: PolicyChoice[];
  groups: GroupSummary[];
  canAdminister: boolean;
}) {
  const router = useRouter();
  const action = usePendingAction();
  const [assigning, setAssigning] = useState(false);

  return (
    <section className="card stack" aria-labelledby="assignments-title" data-testid="group-assignments">
      <div className="card-heading">
        <h2 id="assignments-title">Assignments</h2>
        <span className="hint">Times in UTC</span>
      </div>
      {group.assignments.length === 0 ? (
        <p className="muted">No policy applies to this group.</p>
      ) : (
        <div className="table-scroll">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Source</th>
                <th scope="col">Scope</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {group.assignments.map((assignment) => (
                <tr
                  key={assignment.id}
                  data-testid="assignment"
                  data-policy={assignment.policyName}
                  data-inherited={assignment.inherited}
                >
                  <td>{assignment.policyName}</td>
                  <td>
                    {assignment.inherited ? (
                      <span className="badge badge-plain">inherited from {assignment.groupName}</span>
                    ) : (
                      <span className="badge">direct</span>
                    )}
                  </td>
                  <td data-testid="assignment-scope">
                    {assignment.scope ? (
                      <span className="badge badge-plain" title={assignment.scope.path.join(' › ')}>
                        {assignment.scope.name}
                      </span>
                    ) : (
                      'whole realm'
                    )}
                  </td>
                  <td className="wrap">{assignment.reason}</td>
                  <td>{assignment.assignedBy ?? '—'}</td>
                  <td>
                    {assignment.active ? (
                      <InstantCell instant={assignment.expiresAt} empty="never" />
                    ) : (
                      <span className="badge badge-expired">expired</span>
                    )}
                  </td>
                  <td className="row-actions">
                    {canAdminister && !assignment.inherited ? (
                      <button
                        type="button"
                        className="button secondary small"
                        disabled={action.pending}
                        data-testid="revoke-assignment"
                        onClick={() =>
                          void action.run(
                            () => revokeAssignment({ data: { assignmentId: assignment.id } }),
                            () => router.invalidate(),
                          )
                        }
                      >
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canAdminister ? (
        <div>
          <button
            type="button"
            className="button"
            onClick={() => setAssigning(true)}
            data-testid="open-assign"
          >
            Assign a policy…
          </button>
        </div>
      ) : null}
      {assigning ? (
        <AssignPolicyDialog
          group={group}
          policies={policies}
          groups={groups}
          onClose={() => setAssigning(false)}
        />
      ) : null}
      <AlertMessage message={action.error} testId="assignments-error" />
    </section>
  );
}
