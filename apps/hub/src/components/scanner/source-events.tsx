import type { SourceView } from '@nhi/scanner/schema';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { realmOfPath } from '../../lib/realm-url.ts';
import type { listSourceEvents } from '../../server/functions/scanner.functions.ts';
import { InstantCell } from '../shared/instant-cell.tsx';

/** The source types whose provider can send events, and the credential that proves the sender. */
const senders: Partial<Record<SourceView['type'], string>> = {
  github: 'GitHub organisation webhook, signed with the credential webhookSecret',
  gitlab: 'GitLab group or project hook, with the credential webhookToken as its secret token',
  aws_iam: 'an HTTPS subscription of the SNS topic named in the setting snsTopicArn',
};

export type SourceEvents = Awaited<ReturnType<typeof listSourceEvents>>;

/** Whether a source's provider can send it events. */
export const receivesEvents = (type: SourceView['type']) => senders[type] !== undefined;

/**
 * Where a provider sends its events about this source, and the last ones it sent with the scans
 * they queued: the page a team checks when a push did not show up.
 */
export function SourceEventsPanel({ source, events }: { source: SourceView; events: SourceEvents }) {
  const [url, setUrl] = useState('');
  useEffect(() => {
    const realm = realmOfPath(window.location.pathname) ?? '';
    setUrl(`${window.location.origin}/api/hooks/sources/${realm}/${source.id}`);
  }, [source.id]);

  return (
    <div className="stack" data-testid="source-events">
      <p className="hint">
        Events from {senders[source.type]} go to <code data-testid="source-webhook-url">{url}</code>
      </p>
      {events.length === 0 ? (
        <p className="muted">No event received yet.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Received (UTC)</th>
              <th>Event</th>
              <th>Scan</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-testid="source-event">
                <td>
                  <InstantCell instant={event.receivedAt} empty="" />
                </td>
                <td>
                  {event.kind}
                  <div className="hint">{summaryOf(event.detail)}</div>
                </td>
                <td>
                  {event.scanId ? (
                    <Link to="/scans/$scanId" params={{ scanId: event.scanId }}>
                      queued scan
                    </Link>
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The event's details in a line: `repository acme/api, ref refs/heads/main, commits 2`. */
function summaryOf(detail: Record<string, string | number | boolean | null>): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}
