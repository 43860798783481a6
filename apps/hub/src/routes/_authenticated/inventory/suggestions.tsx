import { createFileRoute, Link, useLoaderData, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { InventoryError } from '../../../components/inventory/inventory-states.tsx';
import { OwnerSuggestionsTable } from '../../../components/inventory/owner-suggestions.tsx';
import { AlertMessage } from '../../../components/shared/alert-message.tsx';
import { PageStepButton } from '../../../components/shared/page-step-button.tsx';
import { usePendingAction } from '../../../components/shared/use-pending-action.ts';
import {
  acceptGroupOwnerSuggestions,
  listOwnerSuggestions,
  refreshOwnerSuggestions,
} from '../../../server/functions/owner-suggestions.functions.ts';

const pageSize = 50;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface SuggestionsSearch {
  page?: number;
  group?: string;
}

/** A page number and a group id from the URL; anything else reads as the first page of all. */
function parseSuggestionsSearch(search: Record<string, unknown>): SuggestionsSearch {
  const page = Number(search.page);
  const group = typeof search.group === 'string' && uuid.test(search.group) ? search.group : undefined;
  return {
    ...(Number.isInteger(page) && page > 1 ? { page } : {}),
    ...(group ? { group } : {}),
  };
}

export const Route = createFileRoute('/_authenticated/inventory/suggestions')({
  head: () => ({ meta: [{ title: 'Ownership suggestions · NHI Hub' }] }),
  validateSearch: parseSuggestionsSearch,
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) =>
    listOwnerSuggestions({ data: { page: deps.page ?? 1, pageSize, groupId: deps.group } }),
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: SuggestionsPage,
});

function SuggestionsPage() {
  const result = Route.useLoaderData();
  const { can } = useLoaderData({ from: '/_authenticated/inventory' });
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  const router = useRouter();
  const [notice, setNotice] = useState<string | null>(null);
  const bulk = usePendingAction();
  const refresh = usePendingAction();
  const done = async (message: string) => {
    setNotice(message);
    await router.invalidate();
  };
  const page = search.page ?? 1;
  const selected = result.groups.find((group) => group.id === search.group);

  return (
    <div className="stack wide" data-testid="suggestions-page">
      <header className="page-header inventory-header">
        <div>
          <Link to="/inventory" className="back-link">
            ← Inventory
          </Link>
          <h1>Ownership suggestions</h1>
          <p className="muted">
            Owners proposed for unowned identities from what their sources say: tags, labels and annotations
            such as <code>team</code>, <code>owner</code> or <code>squad</code> that name a group or a member.
            An owner set by a person is never replaced; a rejected suggestion is not made again.
          </p>
        </div>
        {can.decideOwners ? (
          <div className="inventory-actions">
            <button
              type="button"
              className="button secondary small"
              disabled={refresh.pending}
              onClick={() =>
                refresh.run(
                  () => refreshOwnerSuggestions(),
                  (pass) => done(`Looked again: ${pass.created} new, ${pass.removed} no longer apply.`),
                )
              }
              data-testid="suggestions-refresh"
            >
              Look for suggestions
            </button>
            <AlertMessage message={refresh.error} inline />
          </div>
        ) : null}
      </header>

      {notice ? (
        <p className="success" role="status" data-testid="suggestions-notice">
          {notice}
        </p>
      ) : null}

      <section className="card stack" aria-label="Suggestions by group">
        <h2>By group</h2>
        {result.groups.length === 0 ? (
          <p className="muted">No group has pending suggestions.</p>
        ) : (
          <ul className="plain-list" data-testid="suggestion-groups">
            {result.groups.map((group) => (
              <li key={group.id} data-testid="suggestion-group" data-group-name={group.name}>
                <Link to="/inventory/suggestions" search={{ group: group.id }}>
                  {group.name}
                </Link>{' '}
                <span className="muted">
                  {group.count} {group.count === 1 ? 'identity' : 'identities'}
                </span>{' '}
                {can.decideOwners ? (
                  <button
                    type="button"
                    className="button small"
                    disabled={bulk.pending}
                    onClick={() =>
                      bulk.run(
                        () => acceptGroupOwnerSuggestions({ data: { groupId: group.id } }),
                        (outcome) => done(`${group.name} now owns ${outcome.accepted} more identities.`),
                      )
                    }
                    aria-label={`Accept all ${group.count} suggestions for ${group.name}`}
                    data-testid="suggestion-accept-group"
                  >
                    Accept all
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        <AlertMessage message={bulk.error} testId="suggestion-group-error" />
      </section>

      <section className="card stack" aria-label="Pending suggestions">
        <h2>
          {selected ? `Pending for ${selected.name}` : 'Pending'}{' '}
          <span className="muted" data-testid="suggestions-total">
            ({result.total})
          </span>
        </h2>
        {search.group ? (
          <Link to="/inventory/suggestions" search={{}}>
            Show every group
          </Link>
        ) : null}
        {result.total === 0 ? (
          <p className="muted" data-testid="suggestions-empty">
            Nothing to decide. Suggestions appear after a scan finds owner tags or labels on unowned
            identities.
          </p>
        ) : (
          <OwnerSuggestionsTable items={result.items} canDecide={can.decideOwners} onDone={done} />
        )}
        {result.total > pageSize ? (
          <nav className="pagination" aria-label="Pages">
            <PageStepButton
              direction="previous"
              disabled={page <= 1}
              onClick={() => void navigate({ search: { ...search, page: page - 1 } })}
              testId="suggestions-previous"
            />
            <PageStepButton
              direction="next"
              disabled={page * pageSize >= result.total}
              onClick={() => void navigate({ search: { ...search, page: page + 1 } })}
              testId="suggestions-next"
            />
          </nav>
        ) : null}
      </section>
    </div>
  );
}
