import type { OwnerSuggestionItem } from '@nhi/nhi';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import {
  acceptOwnerSuggestion,
  ownerSuggestionsOfNhi,
  rejectOwnerSuggestion,
} from '../../server/functions/owner-suggestions.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { TableScroll } from '../shared/table-scroll.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { kindLabel, providerLabel } from './labels.ts';

/** Who a suggestion proposes: a group by name, or a member by email. */
export function suggestedOwnerOf(item: Pick<OwnerSuggestionItem, 'group' | 'user'>): string {
  return item.group ? item.group.name : (item.user?.email ?? 'unknown');
}

/** Accept and reject buttons of one suggestion; `onDone` says what happened. */
function Decision({
  item,
  onDone,
}: {
  item: OwnerSuggestionItem;
  onDone: (message: string) => Promise<void> | void;
}) {
  const { pending, error, run } = usePendingAction();
  const owner = suggestedOwnerOf(item);
  return (
    <span className="actions">
      <button
        type="button"
        className="button small"
        disabled={pending}
        onClick={() =>
          run(
            () => acceptOwnerSuggestion({ data: { id: item.id, expectedVersion: item.nhi.version } }),
            () => onDone(`${item.nhi.name} is now owned by ${owner}.`),
          )
        }
        aria-label={`Accept ${owner} as owner of ${item.nhi.name}`}
        data-testid="suggestion-accept"
      >
        Accept
      </button>{' '}
      <button
        type="button"
        className="button secondary small"
        disabled={pending}
        onClick={() =>
          run(
            () => rejectOwnerSuggestion({ data: { id: item.id } }),
            () => onDone(`Rejected ${owner} for ${item.nhi.name}; it will not be suggested again.`),
          )
        }
        aria-label={`Reject ${owner} as owner of ${item.nhi.name}`}
        data-testid="suggestion-reject"
      >
        Reject
      </button>
      <AlertMessage message={error} inline testId="suggestion-error" />
    </span>
  );
}

/** The pending suggestions of a page, one row each, with accept/reject for those who decide. */
export function OwnerSuggestionsTable({
  items,
  canDecide,
  onDone,
}: {
  items: OwnerSuggestionItem[];
  canDecide: boolean;
  onDone: (message: string) => Promise<void> | void;
}) {
  return (
    <TableScroll label="Ownership suggestions table">
      <table className="table" data-testid="suggestions-table">
        <thead>
          <tr>
            <th>Identity</th>
            <th>Suggested owner</th>
            <th>Because</th>
            {canDecide ? <th>Decision</th> : null}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} data-testid="suggestion-row" data-nhi-name={item.nhi.name}>
              <td>
                <Link to="/inventory/$id" params={{ id: item.nhi.id }}>
                  {item.nhi.name}
                </Link>
                <div className="muted">
                  {kindLabel[item.nhi.kind as keyof typeof kindLabel] ?? item.nhi.kind} ·{' '}
                  {providerLabel[item.nhi.provider as keyof typeof providerLabel] ?? item.nhi.provider}
                </div>
              </td>
              <td data-testid="suggestion-owner">{suggestedOwnerOf(item)}</td>
              <td>
                <code>{item.reason}</code>
              </td>
              {canDecide ? (
                <td>
                  <Decision item={item} onDone={onDone} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/**
 * Beside the owner of an unowned identity: what its source suggests, to accept or reject in place.
 * Read after the page renders; an identity with no suggestion shows nothing.
 */
export function OwnerSuggestionNotice({
  nhiId,
  version,
  canDecide,
  onDecided,
}: {
  nhiId: string;
  version: number;
  canDecide: boolean;
  onDecided: () => Promise<void> | void;
}) {
  const [items, setItems] = useState<OwnerSuggestionItem[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new version of the identity may have changed its suggestions.
  useEffect(() => {
    let current = true;
    ownerSuggestionsOfNhi({ data: { id: nhiId } })
      .then((found) => {
        if (current) setItems(found);
      })
      // The suggestion is a help, not the page: without it the page is complete.
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [nhiId, version]);
  if (notice)
    return (
      <p className="success" role="status" data-testid="suggestion-notice">
        {notice}
      </p>
    );
  if (items.length === 0) return null;
  return (
    <section className="card stack" aria-label="Suggested owners" data-testid="nhi-owner-suggestions">
      <h2>Suggested owner</h2>
      <ul className="plain-list">
        {items.map((item) => (
          <li key={item.id} data-testid="nhi-owner-suggestion">
            <strong>{suggestedOwnerOf(item)}</strong> <span className="muted">({item.reason})</span>{' '}
            {canDecide ? (
              <Decision
                item={{ ...item, nhi: { ...item.nhi, version } }}
                onDone={async (message) => {
                  setNotice(message);
                  setItems([]);
                  await onDecided();
                }}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
