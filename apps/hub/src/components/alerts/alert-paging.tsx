import { PageStepButton } from '../shared/page-step-button.tsx';

/**
 * Keyset paging of the alerts list: the total, and previous/next from the ends of the page on
 * screen (the server's cursors), so a page stays reachable however deep in the list.
 */
export function AlertPaging({
  shown,
  total,
  onPrevious,
  onNext,
}: {
  shown: number;
  total: number;
  /** Absent on the first page. */
  onPrevious?: () => void;
  /** Absent on the last page. */
  onNext?: () => void;
}) {
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="pagination-range" data-testid="alerts-range">
        {shown} shown of <strong data-testid="alerts-total">{total}</strong>
      </span>
      <div className="pagination-buttons">
        <PageStepButton
          direction="previous"
          onClick={onPrevious}
          disabled={!onPrevious}
          testId="alerts-previous"
        />
        <PageStepButton direction="next" onClick={onNext} disabled={!onNext} testId="alerts-next" />
      </div>
    </nav>
  );
}
