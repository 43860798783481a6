import { type FormEvent, useState } from 'react';
import {
  createAlertTicket,
  createAlertTickets,
  listTicketTrackers,
  syncAlertTickets,
} from '../../server/functions/tickets.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

interface Ticket {
  id: string;
  channelId: string;
  channelName: string;
  trackerType: 'jira' | 'servicenow';
  externalKey: string | null;
  url: string | null;
  status: string | null;
  done: boolean;
  lastSyncedAt: Date | null;
}

interface Tracker {
  id: string;
  name: string;
  type: 'jira' | 'servicenow';
}

const trackerLabel = (type: Ticket['trackerType']) => (type === 'jira' ? 'Jira' : 'ServiceNow');

/**
 * The alert's tickets in Jira or ServiceNow with their status as last synced; those who may triage
 * open one on a tracker (the trackers load when the form opens) and ask a tracker for its changes
 * now instead of waiting for the five-minute sync.
 */
export function AlertTickets({
  alertId,
  tickets,
  canTicket,
  onDone,
}: {
  alertId: string;
  tickets: Ticket[];
  canTicket: boolean;
  onDone: () => Promise<void>;
}) {
  const [trackers, setTrackers] = useState<Tracker[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const opening = usePendingAction();
  const saving = usePendingAction();
  const syncing = usePendingAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const channelId = String(new FormData(event.currentTarget).get('tracker') ?? '');
    if (!channelId) return;
    await saving.run(
      () => createAlertTicket({ data: { alertId, channelId } }),
      async (ticket) => {
        setTrackers(null);
        setNotice(ticket.externalKey ? `Ticket ${ticket.externalKey} exists already.` : 'Ticket queued.');
        await onDone();
      },
    );
  }

  const sync = (channelId: string) =>
    syncing.run(
      () => syncAlertTickets({ data: { channelId } }),
      async (result) => {
        setNotice(`Synced: ${result.updated} ticket(s) changed, ${result.alertsChanged} alert(s) updated.`);
        await onDone();
      },
    );

  return (
    <section className="card" data-testid="alert-tickets">
      <h2 className="card-heading">Tickets</h2>
      {tickets.length === 0 ? (
        <p className="muted">No ticket yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Tracker</th>
              <th>Ticket</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tickets.map((ticket) => (
              <tr key={ticket.id} data-testid="alert-ticket" data-done={ticket.done}>
                <td>
                  {ticket.channelName} <span className="muted">({trackerLabel(ticket.trackerType)})</span>
                </td>
                <td data-testid="ticket-key">
                  {ticket.url && ticket.externalKey ? (
                    <a href={ticket.url} target="_blank" rel="noreferrer">
                      {ticket.externalKey}
                    </a>
                  ) : (
                    <span className="muted">being created…</span>
                  )}
                </td>
                <td data-testid="ticket-status">{ticket.status ?? ''}</td>
                <td>
                  {canTicket ? (
                    <button
                      type="button"
                      className="button small"
                      disabled={syncing.pending}
                      data-testid="ticket-sync"
                      onClick={() => sync(ticket.channelId)}
                    >
                      Sync now
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canTicket ? (
        trackers ? (
          trackers.length === 0 ? (
            <p className="muted">
              No ticket tracker: an administrator adds Jira or ServiceNow on the channels page.
            </p>
          ) : (
            <form className="inline-form" data-testid="ticket-form" onSubmit={onSubmit}>
              <div className="field">
                <span aria-hidden="true">Tracker</span>
                <TrackerSelect trackers={trackers} testId="ticket-tracker" label="Tracker" />
              </div>
              <button
                type="submit"
                className="button small"
                disabled={saving.pending}
                data-testid="ticket-create"
              >
                Create
              </button>
              <button type="button" className="button small" onClick={() => setTrackers(null)}>
                Cancel
              </button>
            </form>
          )
        ) : (
          <button
            type="button"
            className="button small"
            disabled={opening.pending}
            data-testid="ticket-open"
            onClick={() =>
              opening.run(
                () => listTicketTrackers(),
                (list) => setTrackers(list),
              )
            }
          >
            Create ticket…
          </button>
        )
      ) : null}
      {notice ? (
        <p className="muted" role="status" data-testid="ticket-notice">
          {notice}
        </p>
      ) : null}
      <AlertMessage message={opening.error ?? saving.error ?? syncing.error} testId="ticket-error" />
    </section>
  );
}

/** The trackers a ticket may be opened on, by name and kind: the form's `tracker` field. */
function TrackerSelect({
  trackers,
  testId,
  label,
}: {
  trackers: Tracker[];
  testId?: string;
  label?: string;
}) {
  return (
    <select name="tracker" data-testid={testId} aria-label={label}>
      {trackers.map((tracker) => (
        <option key={tracker.id} value={tracker.id}>
          {tracker.name} ({trackerLabel(tracker.type)})
        </option>
      ))}
    </select>
  );
}

/** The queue's bulk action: tickets for the selected alerts on one tracker, one per fingerprint. */
export function BulkTicketAction({ ids, onDone }: { ids: string[]; onDone: () => Promise<void> }) {
  const [trackers, setTrackers] = useState<Tracker[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const action = usePendingAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const channelId = String(new FormData(event.currentTarget).get('tracker') ?? '');
    if (!channelId || ids.length === 0) return;
    await action.run(
      () => createAlertTickets({ data: { alertIds: ids, channelId } }),
      async (tickets) => {
        setTrackers(null);
        setNotice(`${tickets.length} ticket(s) for ${ids.length} alert(s).`);
        await onDone();
      },
    );
  }

  return (
    <div className="bulk-bar" data-testid="bulk-ticket">
      {trackers ? (
        <form className="inline-form" onSubmit={onSubmit}>
          <TrackerSelect trackers={trackers} label="Tracker" />
          <button type="submit" className="button small" disabled={action.pending || trackers.length === 0}>
            Create tickets
          </button>
          <button type="button" className="button small" onClick={() => setTrackers(null)}>
            Cancel
          </button>
        </form>
      ) : (
        <button
          type="button"
          className="button small"
          disabled={ids.length === 0 || action.pending}
          onClick={() =>
            action.run(
              () => listTicketTrackers(),
              (list) => setTrackers(list),
            )
          }
        >
          Ticket…
        </button>
      )}
      {notice ? (
        <span className="muted" role="status">
          {notice}
        </span>
      ) : null}
      <AlertMessage message={action.error} testId="bulk-ticket-error" />
    </div>
  );
}
