import type { GroupDetail, RealmMemberChoice } from '@nhi/policy';
import { useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { addGroupMember, removeGroupMember } from '../../server/functions/policy.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

export function GroupMembers({
  group,
  members,
  canAdminister,
}: {
  group: GroupDetail;
  members: RealmMemberChoice[];
  canAdminister: boolean;
}) {
  const router = useRouter();
  const action = usePendingAction();
  const [userId, setUserId] = useState('');
  const current = new Set(group.members.map((m) => m.userId));
  const editable = canAdminister && !group.builtInRole;

  function onAdd(event: FormEvent) {
    event.preventDefault();
    void action.run(
      () => addGroupMember({ data: { groupId: group.id, userId } }),
      async () => {
        setUserId('');
        await router.invalidate();
      },
    );
  }

  return (
    <section className="card stack" aria-labelledby="members-title" data-testid="group-members">
      <div className="card-heading">
        <h2 id="members-title">Members</h2>
        {group.builtInRole ? <span className="hint">From the realm role “{group.builtInRole}”</span> : null}
      </div>
      {group.members.length === 0 ? (
        <p className="muted">Nobody is in this group.</p>
      ) : (
        <table className="table compact">
          <tbody>
            {group.members.map((member) => (
              <tr key={member.userId} data-testid="group-member" data-email={member.email}>
                <td>{member.email}</td>
                <td className="row-actions">
                  {editable ? (
                    <button
                      type="button"
                      className="button secondary small"
                      disabled={action.pending}
                      onClick={() =>
                        void action.run(
                          () => removeGroupMember({ data: { groupId: group.id, userId: member.userId } }),
                          () => router.invalidate(),
                        )
                      }
                    >
                      Remove
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable ? (
        <form className="inline-form" onSubmit={onAdd}>
          <label className="field">
            <span>Add a member</span>
            <select
              value={userId}
              onChange={(event) => setUserId(event.target.value)}
              required
              data-testid="add-member"
            >
              <option value="">Choose a realm member…</option>
              {members
                .filter((m) => !current.has(m.userId))
                .map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.email}
                  </option>
                ))}
            </select>
          </label>
          <button
            type="submit"
            className="button"
            disabled={action.pending || userId === ''}
            data-testid="add-member-submit"
          >
            Add
          </button>
        </form>
      ) : null}
      <AlertMessage message={action.error} testId="members-error" />
    </section>
  );
}
