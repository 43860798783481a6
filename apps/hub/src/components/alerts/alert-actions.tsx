import { type Ref, useImperativeHandle, useState } from 'react';
import { acknowledgeAlerts, resolveAlerts, suppressAlerts } from '../../server/functions/alerts.functions.ts';
import { usePendingAction } from '../shared/use-pending-action.ts';

const day = 86_400_000;
const wontFixReason = "Won't fix";

/** What the list's keyboard shortcuts ask of the actions, for the alerts they name. */
export interface AlertActionsHandle {
  acknowledge(ids: string[]): void;
  resolve(ids: string[]): void;
  suppress(ids: string[]): void;
}

const alertsWord = (count: number) => `${count} alert${count === 1 ? '' : 's'}`;
const dateInput = (date: Date) => date.toISOString().slice(0, 10);
const startOfDay = (date: string) => new Date(`${date}T00:00:00.000Z`);

/**
 * Acknowledge, resolve or suppress (with a reason and an expiry) the selected alerts. A resolve
 * says what happens next: the next evaluation reopens an alert whose rule still matches, so the
 * notice offers "won't fix until" instead, a suppression that holds until its date.
 */
export function AlertActions({
  ids,
  asOf,
  onDone,
  ref,
}: {
  ids: string[];
  asOf: Date;
  onDone: () => Promise<void>;
  ref?: Ref<AlertActionsHandle>;
}) {
  const { pending, error, run } = usePendingAction();
  const [suppressing, setSuppressing] = useState<string[] | null>(null);
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState(dateInput(new Date(asOf.getTime() + 7 * day)));
  const [resolved, setResolved] = useState<string[] | null>(null);
  const [wontFixUntil, setWontFixUntil] = useState(dateInput(new Date(asOf.getTime() + 90 * day)));
  const [notice, setNotice] = useState<string | null>(null);

  const acknowledge = (targets: string[]) =>
    run(
      () => acknowledgeAlerts({ data: { ids: targets } }),
      async (result) => {
        setResolved(null);
        setNotice(`Acknowledged ${alertsWord(result.changed)}.`);
        await onDone();
      },
    );
  const resolve = (targets: string[]) =>
    run(
      () => resolveAlerts({ data: { ids: targets } }),
      async (result) => {
        setNotice(null);
        setResolved(result.changed > 0 ? targets : null);
        if (result.changed === 0) setNotice('Already resolved.');
        await onDone();
      },
    );
  const suppress = (targets: string[], why: string, date: string) =>
    run(
      () => suppressAlerts({ data: { ids: targets, reason: why, until: startOfDay(date) } }),
      async (result) => {
        setSuppressing(null);
        setResolved(null);
        setReason('');
        setNotice(
          `Suppressed ${alertsWord(result.changed)} until ${date}; they return to the queue then if the rule still matches.`,
        );
        await onDone();
      },
    );
  const openSuppress = (targets: string[], why = '') => {
    if (targets.length === 0) return;
    setReason(why);
    setSuppressing(targets);
  };

  useImperativeHandle(ref, () => ({
    acknowledge: (targets) => {
      if (targets.length > 0 && !pending) void acknowledge(targets);
    },
    resolve: (targets) => {
      if (targets.length > 0 && !pending) void resolve(targets);
    },
    suppress: (targets) => openSuppress(targets),
  }));

  const none = ids.length === 0 || pending;
  return (
    <div className="bulk-bar" data-testid="alert-actions">
      <span className="bulk-count">{ids.length} selected</span>
      <div className="bulk-actions">
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="acknowledge-alerts"
          onClick={() => acknowledge(ids)}
        >
          Acknowledge
        </button>
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="resolve-alerts"
          onClick={() => resolve(ids)}
        >
          Resolve
        </button>
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="suppress-alerts"
          onClick={() => openSuppress(ids)}
        >
          Suppress…
        </button>
        <button
          type="button"
          className="button small"
          disabled={none}
          data-testid="wont-fix-alerts"
          onClick={() => {
            setUntil(wontFixUntil);
            openSuppress(ids, wontFixReason);
          }}
        >
          Won’t fix…
        </button>
      </div>
      {suppressing ? (
        <form
          className="inline-form"
          data-testid="suppress-form"
          onSubmit={(event) => {
            event.preventDefault();
            void suppress(suppressing, reason, until);
          }}
        >
          <label className="field">
            <span>Reason</span>
            <input
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              data-testid="suppress-reason"
              // Opened from the keyboard, the form is where the user types next.
              // biome-ignore lint/a11y/noAutofocus: the field appears on request and is the next step
              autoFocus
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
          <button type="submit" className="button small" disabled={pending} data-testid="suppress-confirm">
            Suppress {alertsWord(suppressing.length)}
          </button>
          <button type="button" className="button small" onClick={() => setSuppressing(null)}>
            Cancel
          </button>
        </form>
      ) : null}
      {resolved ? (
        <form
          className="resolve-notice"
          role="status"
          data-testid="resolve-notice"
          onSubmit={(event) => {
            event.preventDefault();
            void suppress(resolved, wontFixReason, wontFixUntil);
          }}
        >
          <span>
            Resolved {alertsWord(resolved.length)}. If the rule still matches at the next evaluation, it
            reopens.
          </span>
          <label className="resolve-notice-choice">
            <span>Won’t fix until</span>
            <input
              type="date"
              value={wontFixUntil}
              onChange={(e) => setWontFixUntil(e.target.value)}
              data-testid="wont-fix-until"
              required
            />
          </label>
          <button type="submit" className="button small" disabled={pending} data-testid="wont-fix-confirm">
            Won’t fix instead
          </button>
          <button type="button" className="link-button" onClick={() => setResolved(null)}>
            Dismiss
          </button>
        </form>
      ) : null}
      {notice ? (
        <p className="triage-note" role="status" data-testid="alert-action-notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p className="bulk-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
