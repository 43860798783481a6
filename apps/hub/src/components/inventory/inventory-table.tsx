import type { NhiListItem } from '@nhi/nhi';
import { type RowSelectionState, type SortingState, type Updater, useTable } from '@tanstack/react-table';
import { useMemo } from 'react';
import { inventoryColumns, inventoryFeatures } from './inventory-columns.tsx';
import { type SortKey, sortableColumns } from './nhi-vocabulary.ts';

function isSortKey(id: string): id is SortKey {
  return (sortableColumns as readonly string[]).includes(id);
}

function resolve<T>(updater: Updater<T>, current: T): T {
  return typeof updater === 'function' ? (updater as (old: T) => T)(current) : updater;
}

/**
 * The server sorts and pages (manual mode): the table renders one page as given, and a header
 * click asks for another order through the URL.
 */
export function InventoryTable({
  items,
  asOf,
  sort,
  direction,
  selection,
  busy,
  onSort,
  onSelectionChange,
}: {
  items: NhiListItem[];
  asOf: Date;
  sort: SortKey;
  direction: 'asc' | 'desc';
  selection: RowSelectionState;
  busy: boolean;
  onSort: (sort: SortKey, direction: 'asc' | 'desc') => void;
  onSelectionChange: (next: RowSelectionState) => void;
}) {
  const asOfTime = asOf.getTime();
  // Rebuilt only when the clock the cells render against changes, not on every render.
  const columns = useMemo(() => inventoryColumns(new Date(asOfTime)), [asOfTime]);
  const sorting: SortingState = useMemo(() => [{ id: sort, desc: direction === 'desc' }], [sort, direction]);

  const table = useTable({
    features: inventoryFeatures,
    columns,
    data: items,
    getRowId: (row) => row.id,
    manualSorting: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
    sortDescFirst: false,
    state: { sorting, rowSelection: selection },
    onSortingChange: (updater) => {
      const [next] = resolve(updater, sorting);
      if (next && isSortKey(next.id)) onSort(next.id, next.desc ? 'desc' : 'asc');
    },
    onRowSelectionChange: (updater) => onSelectionChange(resolve(updater, selection)),
  });

  return (
    <div className="table-scroll inventory-scroll">
      <table className="table inventory-table" data-testid="inventory-table" aria-busy={busy}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const canSort = header.column.getCanSort();
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={header.id === 'select' ? 'select-cell' : undefined}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {canSort ? (
                      <button
                        type="button"
                        className="sort-button"
                        onClick={header.column.getToggleSortingHandler()}
                        data-testid={`sort-${header.id}`}
                      >
                        <table.FlexRender header={header} />
                        <span className="sort-indicator" aria-hidden="true">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                        </span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              data-testid="inventory-row"
              data-nhi-name={row.original.name}
              data-unowned={row.original.owner ? undefined : 'true'}
              className={row.getIsSelected() ? 'selected' : undefined}
            >
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className={cell.column.id === 'select' ? 'select-cell' : undefined}>
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
