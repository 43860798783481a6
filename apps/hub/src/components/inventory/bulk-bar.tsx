import type { RealmMember } from '@nhi/nhi';
import { type FormEvent, useState } from 'react';
import { bulkUpdateNhis } from '../../server/functions/nhi-transfer.functions.ts';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { environmentLabel } from './labels.ts';
import type { BulkUpdateInput } from './nhi-schema.ts';
import { nhiEnvironments } from './nhi-vocabulary.ts';

type Change = Omit<BulkUpdateInput, 'ids'>;

const unchanged = '';
const unowned = 'unowned';

/** Changes owner, tags or environment of the selected identities, all in one transaction. */
export function BulkBar({
  ids,
  members,
  onDone,
  onClear,
}: {
  ids: string[];
  members: RealmMember[];
  onDone: (message: string) => Promise<void>;
  onClear: () => void;
}) {
  const [owner, setOwner] = useState(unchanged);
  const [environment, setEnvironment] = useState(unchanged);
  const [addTag, setAddTag] = useState('');
  const [removeTag, setRemoveTag] = useState('');
  const { pending, error, run } = usePendingAction();

  const change: Change = {
    ...(owner === unchanged ? {} : { ownerUserId: owner === unowned ? null : owner }),
    ...(environment === unchanged ? {} : { environment: environment as Change['environment'] }),
    ...(addTag.trim() ? { addTags: [addTag.trim()] } : {}),
    ...(removeTag.trim() ? { removeTags: [removeTag.trim()] } : {}),
  };
  const nothingToDo = Object.keys(change).length === 0;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (nothingToDo) return;
    await run(
      () => bulkUpdateNhis({ data: { ids, ...change } }),
      async (result) => {
        setOwner(unchanged);
        setEnvironment(unchanged);
        setAddTag('');
        setRemoveTag('');
        await onDone(
          `Updated ${result.updated} ${result.updated === 1 ? 'identity' : 'identities'}` +
            (result.unchanged > 0 ? `; ${result.unchanged} already had these values.` : '.'),
        );
      },
    );
  }

  return (
    <form
      className="bulk-bar"
      onSubmit={onSubmit}
      aria-label="Change the selected identities"
      data-testid="bulk-bar"
    >
      <strong className="bulk-count" data-testid="bulk-count">
        {ids.length} selected
      </strong>
      <label className="bulk-field">
        <span>Owner</span>
        <select value={owner} onChange={(event) => setOwner(event.target.value)} data-testid="bulk-owner">
          <option value={unchanged}>Keep</option>
          <option value={unowned}>Unowned (clear owner)</option>
          {members.map((member) => (
            <option key={member.id} value={member.id}>
              {member.email}
            </option>
          ))}
        </select>
      </label>
      <label className="bulk-field">
        <span>Environment</span>
        <select
          value={environment}
          onChange={(event) => setEnvironment(event.target.value)}
          data-testid="bulk-environment"
        >
          <option value={unchanged}>Keep</option>
          {nhiEnvironments.map((value) => (
            <option key={value} value={value}>
              {environmentLabel[value]}
            </option>
          ))}
        </select>
      </label>
      <label className="bulk-field">
        <span>Add tag</span>
        <input
          value={addTag}
          onChange={(event) => setAddTag(event.target.value)}
          maxLength={64}
          data-testid="bulk-add-tag"
        />
      </label>
      <label className="bulk-field">
        <span>Remove tag</span>
        <input
          value={removeTag}
          onChange={(event) => setRemoveTag(event.target.value)}
          maxLength={64}
          data-testid="bulk-remove-tag"
        />
      </label>
      <div className="bulk-actions">
        <button
          type="submit"
          className="button small"
          disabled={pending || nothingToDo}
          data-testid="bulk-apply"
        >
          {pending ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" className="button secondary small" onClick={onClear} disabled={pending}>
          Clear selection
        </button>
      </div>
      {error ? (
        <p role="alert" className="error bulk-error" data-testid="bulk-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
