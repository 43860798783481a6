import { type SortKey, sortableColumns } from './nhi-vocabulary.ts';

const sortLabel: Record<SortKey, string> = {
  name: 'Name',
  kind: 'Kind',
  provider: 'Provider',
  environment: 'Environment',
  status: 'Status',
  owner: 'Owner',
  lastUsedAt: 'Last used',
  lastSeenAt: 'Last seen',
  firstSeenAt: 'First seen',
  updatedAt: 'Last updated',
  oldestCredentialAge: 'Oldest credential',
  nextCredentialExpiry: 'Next expiry',
};

/** Every sort the list offers, including columns the table has no room for. */
export function SortControl({
  sort,
  direction,
  onSort,
}: {
  sort: SortKey;
  direction: 'asc' | 'desc';
  onSort: (sort: SortKey, direction: 'asc' | 'desc') => void;
}) {
  return (
    <div className="sort-control">
      <label>
        <span>Sort by</span>
        <select
          value={sort}
          onChange={(event) => onSort(event.target.value as SortKey, direction)}
          data-testid="sort-select"
        >
          {sortableColumns.map((column) => (
            <option key={column} value={column}>
              {sortLabel[column]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button secondary small"
        onClick={() => onSort(sort, direction === 'asc' ? 'desc' : 'asc')}
        // The name is the order shown, as the button reads; the title says what a press does.
        title={direction === 'asc' ? 'Switch to descending' : 'Switch to ascending'}
        data-testid="sort-direction"
      >
        <span aria-hidden="true">{direction === 'asc' ? '▲' : '▼'}</span>
        {direction === 'asc' ? 'Ascending' : 'Descending'}
      </button>
    </div>
  );
}
