import { useEffect, useState } from 'react';

export const refreshSeconds = 30;

/**
 * "Updated N s ago" and a refresh button. The page keeps showing the data it has while new data
 * loads: the figures change in place, nothing blinks or moves.
 */
export function Freshness({
  loadedAt,
  refreshing,
  onRefresh,
}: {
  loadedAt: number;
  refreshing: boolean;
  onRefresh: () => void;
}) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  // The server renders without a clock reading; the browser fills it in after hydration.
  const seconds = now === null ? 0 : Math.max(0, Math.round((now - loadedAt) / 1000));
  return (
    <div className="freshness">
      <span className="muted" role="status" aria-live="off" data-testid="dashboard-updated">
        {refreshing ? 'Refreshing…' : `Updated ${seconds} s ago`}
      </span>
      <button
        type="button"
        className="button small secondary"
        onClick={onRefresh}
        disabled={refreshing}
        data-testid="dashboard-refresh"
      >
        Refresh
      </button>
    </div>
  );
}
