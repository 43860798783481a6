import { PageStepButton } from '../shared/page-step-button.tsx';
import { pageSizes } from './inventory-search.ts';

/**
 * Cursor pagination: "next" follows the server's cursor, "previous" the cursors this tab went
 * through. A reloaded page deep in the list can still go back to the first one.
 */
export function Pagination({
  page,
  pageSize,
  shown,
  total,
  hasNext,
  hasPrevious,
  onNext,
  onPrevious,
  onFirst,
  onPageSize,
}: {
  page: number;
  pageSize: number;
  shown: number;
  total: number;
  hasNext: boolean;
  hasPrevious: boolean;
  onNext: () => void;
  onPrevious: () => void;
  onFirst: () => void;
  onPageSize: (size: (typeof pageSizes)[number]) => void;
}) {
  const from = shown === 0 ? 0 : page * pageSize + 1;
  const to = page * pageSize + shown;
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="pagination-range" data-testid="inventory-range">
        {from}–{to} of <strong data-testid="inventory-total">{total}</strong>
      </span>
      <label className="pagination-size">
        <span>Rows</span>
        <select
          value={pageSize}
          onChange={(event) => onPageSize(Number(event.target.value) as (typeof pageSizes)[number])}
          data-testid="page-size"
        >
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
      <div className="pagination-buttons">
        {page > 0 && !hasPrevious ? (
          <button type="button" className="button secondary small" onClick={onFirst} data-testid="page-first">
            First page
          </button>
        ) : (
          <PageStepButton
            direction="previous"
            onClick={onPrevious}
            disabled={!hasPrevious}
            testId="page-previous"
          />
        )}
        <PageStepButton direction="next" onClick={onNext} disabled={!hasNext} testId="page-next" />
      </div>
    </nav>
  );
}
