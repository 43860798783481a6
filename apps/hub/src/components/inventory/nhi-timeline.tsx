import type { RealmMember } from '@nhi/nhi';
import type { ScanObservation } from '@nhi/scanner';
import { Link } from '@tanstack/react-router';
import { formatInstant } from '../shared/format-instant.ts';
import { actorLabel } from './actor-label.ts';
import { fieldLabel } from './field-display.ts';
import { scanIdOfActor, type TimelineEntry } from './timeline-entries.ts';

const scanSentence: Record<ScanObservation['kind'], string> = {
  first_seen: 'First seen by a scan of',
  changed: 'Changed by a scan of',
  missing: 'No longer found by a scan of',
  last_seen: 'Last seen by a scan of',
};

const alertSentence: Record<string, string> = {
  open: 'opened',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  suppressed: 'suppressed',
};

const credentialVerbs: Record<string, string> = { add: 'added', rotate: 'rotated', revoke: 'revoked' };

/** `nhi.credential.rotate` reads "rotated"; an action this page does not know reads as it is. */
function credentialSentence(action: string): string {
  const verb = action.replace(/^(nhi\.)?credential\./, '');
  return credentialVerbs[verb] ?? verb;
}

function ScanLink({ scanId, children }: { scanId: string; children: React.ReactNode }) {
  return (
    <Link to="/scans/$scanId" params={{ scanId }} data-testid="timeline-scan-link">
      {children}
    </Link>
  );
}

/** Who did it: a member, a token, a scan (linked) or the system's own passes. */
function Actor({ actor, members }: { actor: { type: string; id: string | null }; members: RealmMember[] }) {
  const scanId = scanIdOfActor(actor);
  if (scanId) return <ScanLink scanId={scanId}>a scan</ScanLink>;
  if (actor.type === 'system') return <>the hub</>;
  return <>{actorLabel(actor as Parameters<typeof actorLabel>[0], members)}</>;
}

function EntryText({ entry, members }: { entry: TimelineEntry; members: RealmMember[] }) {
  switch (entry.type) {
    case 'scan': {
      const { observation } = entry;
      return (
        <>
          {scanSentence[observation.kind]} <strong>{observation.source.name}</strong> (
          <ScanLink scanId={observation.scanId}>{observation.input}</ScanLink>)
        </>
      );
    }
    case 'version': {
      const fields = Object.keys(entry.entry.changes).map((field) => fieldLabel[field] ?? field);
      return (
        <>
          Version {entry.entry.version}
          {fields.length > 0 ? `: ${fields.join(', ')}` : ''} · by{' '}
          <Actor actor={entry.entry.actor} members={members} />
        </>
      );
    }
    case 'credential':
      return (
        <>
          Credential {credentialSentence(entry.entry.action)} · by{' '}
          <Actor actor={entry.entry.actor} members={members} />
        </>
      );
    case 'alert': {
      const { event } = entry;
      return (
        <>
          Alert{' '}
          <Link to="/alerts/$id" params={{ id: event.alertId }}>
            {event.title}
          </Link>{' '}
          {event.kind === 'assignment'
            ? 'assignment changed'
            : (alertSentence[event.toState] ?? event.toState)}{' '}
          · by <Actor actor={{ type: event.actorType, id: event.actorId }} members={members} />
          {event.reason && event.actorType !== 'system' ? (
            <span className="muted"> · {event.reason}</span>
          ) : null}
        </>
      );
    }
  }
}

/** Everything that happened to the identity, newest first. */
export function NhiTimeline({ entries, members }: { entries: TimelineEntry[]; members: RealmMember[] }) {
  return (
    <section className="card" aria-labelledby="timeline-title" data-testid="nhi-timeline">
      <div className="card-heading">
        <h2 id="timeline-title">Timeline</h2>
        <span className="hint">Scans, changes, alerts and triage · times in UTC</span>
      </div>
      {entries.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline">
          {entries.map((entry) => (
            <li
              key={entry.key}
              className={`timeline-entry timeline-${entry.type}`}
              data-testid="timeline-entry"
              data-type={entry.type}
            >
              <time dateTime={entry.at.toISOString()} className="timeline-time">
                {formatInstant(entry.at)}
              </time>
              <span className="timeline-text">
                <EntryText entry={entry} members={members} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
