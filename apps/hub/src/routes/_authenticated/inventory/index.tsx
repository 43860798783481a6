import { createFileRoute, Link, useLoaderData, useRouter, useRouterState } from '@tanstack/react-router';
import type { RowSelectionState } from '@tanstack/react-table';
import { useEffect, useState } from 'react';
import { BulkBar } from '../../../components/inventory/bulk-bar.tsx';
import { useCursorTrail } from '../../../components/inventory/cursor-trail.ts';
import { ExportButtons } from '../../../components/inventory/export-buttons.tsx';
import { FilterBar } from '../../../components/inventory/filter-bar.tsx';
import { ImportDialog } from '../../../components/inventory/import-dialog.tsx';
import {
  defaultPageSize,
  defaultSort,
  firstPage,
  hasFilters,
  type InventorySearch,
  listInputOf,
  parseInventorySearch,
  withoutFilters,
} from '../../../components/inventory/inventory-search.ts';
import { InventoryEmpty, InventoryError } from '../../../components/inventory/inventory-states.tsx';
import { InventoryTable } from '../../../components/inventory/inventory-table.tsx';
import { Pagination } from '../../../components/inventory/pagination.tsx';
import { SearchBox } from '../../../components/inventory/search-box.tsx';
import { SortControl } from '../../../components/inventory/sort-control.tsx';
import savedViewsStyles from '../../../components/saved-views/saved-views.css?url';
import { SavedViewsMenu } from '../../../components/saved-views/saved-views-menu.tsx';
import { ScopeNote } from '../../../components/shared/scope-note.tsx';
import { listNhis } from '../../../server/functions/nhi.functions.ts';

export const Route = createFileRoute('/_authenticated/inventory/')({
  validateSearch: parseInventorySearch,
  loaderDeps: ({ search }) => search,
  head: () => ({
    meta: [{ title: 'Inventory · NHI Hub' }],
    links: [{ rel: 'stylesheet', href: savedViewsStyles }],
  }),
  loader: ({ deps }) => listNhis({ data: listInputOf(deps) }),
  // A new filter, sort or page keeps the current table on screen, marked busy, until the rows arrive:
  // swapping in a loading placeholder would unmount the search box and drop what the user is typing.
  pendingMs: Number.POSITIVE_INFINITY,
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: InventoryPage,
});

function InventoryPage() {
  const page = Route.useLoaderData();
  const context = useLoaderData({ from: '/_authenticated/inventory' });
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  const router = useRouter();
  const trail = useCursorTrail();
  const loading = useRouterState({ select: (state) => state.isLoading });
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [notice, setNotice] = useState<string | null>(null);

  // Another page, filter or realm: a selection of rows no longer on screen would surprise.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the items are what the selection refers to.
  useEffect(() => setSelection({}), [page.items]);

  // Every change is applied to the latest search, pending navigation included: a debounced search
  // or a second filter picked while the first still loads must build on it, not on this render's copy.
  const go = (update: (current: InventorySearch) => InventorySearch, cursorTrail: (string | null)[] = []) => {
    setNotice(null);
    return navigate({
      search: (latest) => update(parseInventorySearch(latest)),
      state: { inventoryCursorTrail: cursorTrail },
    });
  };
  const selectedIds = Object.keys(selection);
  const pageIndex = search.page ?? 0;
  const filtered = hasFilters(search);

  return (
    <div className="stack wide" data-testid="inventory-page">
      <header className="page-header inventory-header">
        <div>
          <h1>Inventory</h1>
          <p className="muted">
            Every non-human identity in this realm, its owner and the state of its credentials.
          </p>
          <ScopeNote />
        </div>
        <div className="inventory-actions">
          <Link to="/inventory/suggestions" className="button secondary small" data-testid="suggestions-link">
            Ownership suggestions
          </Link>
          <ExportButtons search={search} />
          {context.can.import ? <ImportDialog onImported={() => router.invalidate()} /> : null}
          {context.can.write ? (
            <Link to="/inventory/new" className="button small" data-testid="new-nhi">
              Add identity
            </Link>
          ) : null}
        </div>
      </header>

      <section className="card inventory-card" aria-label="Identities">
        <div className="inventory-toolbar">
          <SavedViewsMenu
            page="inventory"
            search={firstPage(search)}
            onApply={(next) => go(() => parseInventorySearch(next))}
          />
          <div className="inventory-search-row">
            <SearchBox
              value={search.q ?? ''}
              onSearch={(q) => go((current) => firstPage({ ...current, q: q || undefined }))}
            />
            <SortControl
              sort={search.sort ?? defaultSort}
              direction={search.dir ?? 'asc'}
              onSort={(sort, dir) => go((current) => firstPage({ ...current, sort, dir }))}
            />
          </div>
          <FilterBar search={search} members={context.members} onChange={go} />
        </div>
        {notice ? (
          <p className="success" role="status" data-testid="inventory-notice">
            {notice}
          </p>
        ) : null}
        {context.can.write && selectedIds.length > 0 ? (
          <BulkBar
            ids={selectedIds}
            members={context.members}
            onClear={() => setSelection({})}
            onDone={async (message) => {
              setNotice(message);
              await router.invalidate();
            }}
          />
        ) : null}
        {page.total === 0 ? (
          <InventoryEmpty
            filtered={filtered}
            canWrite={context.can.write}
            onClearFilters={() => go(withoutFilters)}
          />
        ) : (
          <InventoryTable
            items={page.items}
            asOf={context.asOf}
            sort={search.sort ?? defaultSort}
            direction={search.dir ?? 'asc'}
            selection={selection}
            busy={loading}
            onSort={(sort, dir) => go((current) => firstPage({ ...current, sort, dir }))}
            onSelectionChange={setSelection}
          />
        )}
        <div className="inventory-footer">
          {loading ? (
            <span className="muted loading-note" role="status" data-testid="inventory-refreshing">
              <span className="spinner" aria-hidden="true" /> Loading…
            </span>
          ) : (
            <span className="hint">Times in UTC</span>
          )}
          <Pagination
            page={pageIndex}
            pageSize={search.limit ?? defaultPageSize}
            shown={page.items.length}
            total={page.total}
            hasNext={page.nextCursor !== null}
            hasPrevious={trail.length > 0}
            onNext={() => {
              if (page.nextCursor === null) return;
              // Paging moves from the page on screen, whose cursor it carries.
              const next = { ...search, cursor: page.nextCursor, page: pageIndex + 1 };
              go(() => next, [...trail, search.cursor ?? null]);
            }}
            onPrevious={() => {
              const previous = trail.at(-1);
              const back = {
                ...search,
                cursor: previous ?? undefined,
                page: pageIndex > 1 ? pageIndex - 1 : undefined,
              };
              go(() => back, trail.slice(0, -1));
            }}
            onFirst={() => go(firstPage)}
            onPageSize={(limit) => go((current) => firstPage({ ...current, limit }))}
          />
        </div>
      </section>
    </div>
  );
}
