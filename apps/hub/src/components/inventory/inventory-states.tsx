import { Link, useRouter } from '@tanstack/react-router';
import { errorMessageOf } from '../../lib/server-fn-error.ts';

export function InventoryLoading() {
  return (
    <div className="card inventory-state" role="status" aria-live="polite" data-testid="inventory-loading">
      <span className="spinner" aria-hidden="true" /> Loading the inventory…
    </div>
  );
}

export function InventoryError({ error }: { error: unknown }) {
  const router = useRouter();
  return (
    <div className="card inventory-state stack" data-testid="inventory-failed">
      <p role="alert" className="error">
        The inventory could not be loaded: {errorMessageOf(error)}
      </p>
      <div>
        <button type="button" className="button secondary" onClick={() => router.invalidate()}>
          Try again
        </button>
      </div>
    </div>
  );
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
