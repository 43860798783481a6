import { Link } from '@tanstack/react-router';
import { LoadFailed } from '../load-failed.tsx';

export function InventoryLoading() {
  return (
    <div className="card inventory-state" role="status" aria-live="polite" data-testid="inventory-loading">
      <span className="spinner" aria-hidden="true" /> Loading the inventory…
    </div>
  );
}

export function InventoryError({ error }: { error: unknown }) {
  return <LoadFailed what="The inventory" error={error} testId="inventory-failed" />;
}

export function InventoryEmpty({
  filtered,
  canWrite,
  onClearFilters,
}: {
  filtered: boolean;
  canWrite: boolean;
  onClearFilters: () => void;
}) {
  if (filtered) {
    return (
      <div className="inventory-state empty" data-testid="inventory-empty">
        <p>No identities match these filters.</p>
        <button type="button" className="button secondary small" onClick={onClearFilters}>
          Clear filters
        </button>
      </div>
    );
  }
  return (
    <div className="inventory-state empty" data-testid="inventory-empty">
      <p>No identities in this realm yet.</p>
      <p className="hint">Add one by hand, or import a CSV or JSON file.</p>
      {canWrite ? (
        <Link to="/inventory/new" className="button small">
          Add identity
        </Link>
      ) : null}
    </div>
  );
}
