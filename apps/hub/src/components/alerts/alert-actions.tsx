import { useState } from 'react';
import { errorMessageOf } from '../../lib/server-fn-error.ts';
import { acknowledgeAlerts, resolveAlerts, suppressAlerts } from '../../server/functions/alerts.functions.ts';

/** Acknowledge, resolve or suppress (with a reason and an expiry) the selected alerts. */
export function AlertActions({
  ids,
  asOf,
  onDone,
}: {
  ids: string[];
  asOf: Date;
  onDone: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [suppressing, setSuppressing] = useState(false);
  const [reason, setReason] = useState('');
  const inAWeek = new Date(asOf.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
  const [until, setUntil] = useState(inAWeek);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setSuppressing(false);
      setReason('');
      await onDone();
    } catch (failure) {
      setError(errorMessageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  const none = ids.length === 0 || busy;
  return (
    <div className="bulk-bar" data-testid="alert-actions">
      <span className="bulk-count">{ids.length} selected</span>
      <div className="bulk-actions">
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="acknowledge-alerts"
          onClick={() => run(() => acknowledgeAlerts({ data: { ids } }))}
        >
          Acknowledge
        </button>
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="resolve-alerts"
          onClick={() => run(() => resolveAlerts({ data: { ids } }))}
        >
          Resolve
        </button>
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="suppress-alerts"
          onClick={() => setSuppressing(true)}
        >
          Suppress…
        </button>
      </div>
      {suppressing ? (
        <form
          className="inline-form"
          data-testid="suppress-form"
          onSubmit={(event) => {
            event.preventDefault();
            void run(() =>
              suppressAlerts({ data: { ids, reason, until: new Date(`${until}T00:00:00.000Z`) } }),
            );
          }}
        >
          <label className="field">
            <span>Reason</span>
            <input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              data-testid="suppress-reason"
              required
            />
          </label>
          <label className="field">
            <span>Until</span>
            <input
              type="date"
              value={until}
              onChange={(e) => setUntil(e.target.value)}
              data-testid="suppress-until"
              required
            />
          </label>
          <button type="submit" className="button small" disabled={busy} data-testid="suppress-confirm">
            Suppress
          </button>
          <button type="button" className="button small" onClick={() => setSuppressing(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      {error ? (
        <p className="bulk-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
