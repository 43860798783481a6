import type { GroupDetail, GroupSummary } from '@nhi/policy';
import { useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import {
  createPolicyGroup,
  deletePolicyGroup,
  movePolicyGroup,
} from '../../server/functions/policy.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { InlineConfirm } from '../shared/inline-confirm.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

/** Where a group may go: anywhere but under itself or its subgroups, and never into a built-in group. */
function moveTargets(groups: GroupSummary[], group: GroupDetail): GroupSummary[] {
  const below = new Set([group.id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const candidate of groups) {
      if (candidate.parentId && below.has(candidate.parentId) && !below.has(candidate.id)) {
        below.add(candidate.id);
        grew = true;
      }
    }
  }
  return groups.filter((g) => !below.has(g.id) && !g.builtInRole && g.id !== group.parentId);
}

/** Create a subgroup, move the group to another parent, or delete it. */
export function GroupStructure({ group, groups }: { group: GroupDetail; groups: GroupSummary[] }) {
  const router = useRouter();
  const action = usePendingAction();
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);

  function onCreate(event: FormEvent) {
    event.preventDefault();
    void action.run(
      () => createPolicyGroup({ data: { name, parentId: group.builtInRole ? null : group.id } }),
      async (created) => {
        setName('');
        await router.navigate({ to: '/policy/groups', search: { group: created.id } });
      },
    );
  }

  function onMove(event: FormEvent) {
    event.preventDefault();
    void action.run(
      () => movePolicyGroup({ data: { groupId: group.id, parentId: target === '' ? null : target } }),
      async () => {
        setTarget('');
        await router.invalidate();
      },
    );
  }

  return (
    <section className="card stack" aria-labelledby="structure-title">
      <div className="card-heading">
        <h2 id="structure-title">Structure</h2>
      </div>
      <form className="inline-form" onSubmit={onCreate}>
        <label className="field">
          <span>{group.builtInRole ? 'New top-level group' : `New subgroup of ${group.name}`}</span>
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={100}
            required
            data-testid="new-group-name"
          />
        </label>
        <button type="submit" className="button" disabled={action.pending} data-testid="create-group">
          Create group
        </button>
      </form>
      {group.builtInRole ? (
        <p className="hint">
          A built-in group takes its members from the realm role “{group.builtInRole}” and cannot move.
        </p>
      ) : (
        <>
          <form className="inline-form" onSubmit={onMove}>
            <label className="field">
              <span>Move to</span>
              <select
                value={target}
                onChange={(event) => setTarget(event.target.value)}
                data-testid="move-target"
              >
                <option value="">Top level</option>
                {moveTargets(groups, group).map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="submit"
              className="button secondary"
              disabled={action.pending}
              data-testid="move-group"
            >
              Move
            </button>
          </form>
          {confirmDelete ? (
            <InlineConfirm
              question={`Delete ${group.name}, its memberships and assignments?`}
              confirmLabel="Delete group"
              pendingLabel="Deleting…"
              pending={action.pending}
              testId="confirm-delete-group"
              onCancel={() => setConfirmDelete(false)}
              onConfirm={() =>
                void action.run(
                  () => deletePolicyGroup({ data: { groupId: group.id } }),
                  async () => {
                    setConfirmDelete(false);
                    await router.navigate({ to: '/policy/groups', search: {} });
                  },
                )
              }
            />
          ) : (
            <div>
              <button type="button" className="button secondary" onClick={() => setConfirmDelete(true)}>
                Delete group…
              </button>
            </div>
          )}
        </>
      )}
      <AlertMessage message={action.error} testId="structure-error" />
    </section>
  );
}
