import type { NhiVersionEntry, OwnerGroup, RealmMember } from '@nhi/nhi';
import type { ScanObservation } from '@nhi/scanner';
import { Link } from '@tanstack/react-router';
import { formatInstant } from '../shared/format-instant.ts';
import { actorLabel } from './actor-label.ts';
import { displayValue, fieldLabel } from './field-display.ts';

/**
 * The kept versions, newest first, each with the fields it changed. A scan writes no version when
 * it creates an identity (ADR 0012), so one found by a scan and unchanged since shows that scan.
 */
export function VersionHistory({
  history,
  members,
  groups = [],
  observations = [],
}: {
  history: NhiVersionEntry[];
  members: RealmMember[];
  /** To name an owner group rather than show its id. */
  groups?: OwnerGroup[];
  observations?: ScanObservation[];
}) {
  const newestFirst = [...history].sort((a, b) => b.version - a.version);
  const found = observations.find((observation) => observation.kind === 'first_seen');
  return (
    <section className="card" aria-labelledby="history-title" data-testid="nhi-history">
      <div className="card-heading">
        <h2 id="history-title">Version history</h2>
        <span className="hint">The latest versions are kept, up to 10</span>
      </div>
      {newestFirst.length === 0 && found ? (
        <p data-testid="history-found-by-scan">
          As found by{' '}
          <Link to="/scans/$scanId" params={{ scanId: found.scanId }}>
            a scan of {found.source.name}
          </Link>{' '}
          on {formatInstant(found.at)} UTC, unchanged since: scans record a version when they change it.
        </p>
      ) : newestFirst.length === 0 ? (
        <p className="muted">No versions recorded.</p>
      ) : (
        <ol className="history">
          {newestFirst.map((entry) => {
            const fields = Object.entries(entry.changes);
            return (
              <li
                key={entry.version}
                className="history-entry"
                data-testid="history-entry"
                data-version={entry.version}
              >
                <div className="history-meta">
                  <strong>Version {entry.version}</strong>
                  <span className="muted">
                    {formatInstant(entry.createdAt)} UTC · {actorLabel(entry.actor, members)}
                  </span>
                </div>
                {fields.length === 0 ? (
                  <p className="hint">No field changed.</p>
                ) : (
                  <table className="table compact diff">
                    <thead>
                      <tr>
                        <th scope="col">Field</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {fields.map(([field, change]) => (
                        <tr key={field} data-testid="history-change" data-field={field}>
                          <th scope="row">{fieldLabel[field] ?? field}</th>
                          <td className="diff-before">
                            {displayValue(field, change.before, members, groups)}
                          </td>
                          <td className="diff-after">{displayValue(field, change.after, members, groups)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
