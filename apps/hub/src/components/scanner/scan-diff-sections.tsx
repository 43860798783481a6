import type { ScanDiffAlert, ScanDiffIdentity, ScanDiffPart, ScanDiffView } from '@nhi/scanner/schema';
import { Link } from '@tanstack/react-router';
import { SeverityBadge } from '../alerts/alert-badges.tsx';
import { InstantCell } from '../shared/instant-cell.tsx';

type IdentityChange = 'added' | 'changed' | 'missing';

const identityParts: { change: IdentityChange; title: string; empty: string }[] = [
  { change: 'added', title: 'Added', empty: 'The source reported no identity it had not reported before.' },
  { change: 'changed', title: 'Changed', empty: 'No identity the source reported before changed.' },
  {
    change: 'missing',
    title: 'Missing',
    empty: 'Every identity the source reported before was found again (or the scan was partial).',
  },
];

/** `+k8s.cluster_admin` reads as a finding gained, `-aws.admin_policy` as one lost. */
export function describeField(field: string): string {
  if (field.startsWith('+')) return `new finding ${field.slice(1)}`;
  if (field.startsWith('-')) return `finding ${field.slice(1)} gone`;
  return field;
}

/** A count that opens the inventory filtered to the identities it counts. */
export function ScanCountLink({
  scanId,
  change,
  count,
  testId,
}: {
  scanId: string;
  change: IdentityChange;
  count: number;
  testId: string;
}) {
  return (
    <Link to="/inventory" search={{ scan: scanId, change }} data-testid={testId}>
      {count}
    </Link>
  );
}

function IdentityTable({ part, change }: { part: ScanDiffPart<ScanDiffIdentity>; change: IdentityChange }) {
  return (
    <table className="table" data-testid={`diff-${change}-table`}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>Provider</th>
          {change === 'changed' ? <th>What changed</th> : null}
        </tr>
      </thead>
      <tbody>
        {part.items.map((item) => (
          <tr key={item.id} data-testid={`diff-${change}-row`}>
            <td>
              <Link to="/inventory/$id" params={{ id: item.id }}>
                {item.name}
              </Link>
              <div className="hint">{item.externalId}</div>
            </td>
            <td>{item.kind}</td>
            <td>{item.provider}</td>
            {change === 'changed' ? <td>{item.fields.map(describeField).join(', ')}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AlertTable({ part, testId }: { part: ScanDiffPart<ScanDiffAlert>; testId: string }) {
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>Rule</th>
          <th>Severity</th>
          <th>Identity</th>
          <th>State now</th>
          <th>When (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {part.items.map((alert) => (
          <tr key={alert.id}>
            <td>
              <Link to="/alerts/$id" params={{ id: alert.id }}>
                {alert.ruleId}
              </Link>
              <div className="hint">{alert.subject}</div>
            </td>
            <td>
              <SeverityBadge severity={alert.severity} />
            </td>
            <td>
              {alert.nhi ? (
                <Link to="/inventory/$id" params={{ id: alert.nhi.id }}>
                  {alert.nhi.name}
                </Link>
              ) : (
                <span className="muted">none</span>
              )}
            </td>
            <td>{alert.state}</td>
            <td>
              <InstantCell instant={alert.at} empty="" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MoreNote({ part }: { part: ScanDiffPart<unknown> }) {
  return part.count > part.items.length ? (
    <p className="muted">
      The first {part.items.length} of {part.count} are listed.
    </p>
  ) : null;
}

/** What the scan changed against what its source reported before, and the alerts that followed it. */
export function ScanDiffSections({ diff }: { diff: ScanDiffView }) {
  const alertParts = [
    { key: 'opened', title: 'Alerts opened', part: diff.alertsOpened },
    { key: 'resolved', title: 'Alerts resolved', part: diff.alertsResolved },
  ] as const;
  return (
    <>
      {identityParts.map(({ change, title, empty }) => {
        const part = diff[change];
        return (
          <section className="stack" aria-label={title} key={change} data-testid={`diff-${change}`}>
            <h2>
              {title}{' '}
              <span className="muted">
                (
                <ScanCountLink
                  scanId={diff.scanId}
                  change={change}
                  count={part.count}
                  testId={`diff-${change}-count`}
                />
                )
              </span>
            </h2>
            {part.count === 0 ? (
              <p className="muted">{empty}</p>
            ) : (
              <>
                <IdentityTable part={part} change={change} />
                <MoreNote part={part} />
              </>
            )}
          </section>
        );
      })}
      {alertParts.map(({ key, title, part }) => (
        <section className="stack" aria-label={title} key={key} data-testid={`diff-alerts-${key}`}>
          <h2>
            {title}{' '}
            <span className="muted">
              (
              <Link
                to="/alerts"
                search={{ source: [diff.sourceId] }}
                data-testid={`diff-alerts-${key}-count`}
              >
                {part.count}
              </Link>
              )
            </span>
          </h2>
          {part.count === 0 ? (
            <p className="muted">
              None on the source’s identities since this scan started
              {key === 'opened' ? ' (alerts are evaluated once a scan has finished)' : ''}.
            </p>
          ) : (
            <>
              <AlertTable part={part} testId={`diff-alerts-${key}-table`} />
              <MoreNote part={part} />
            </>
          )}
        </section>
      ))}
    </>
  );
}
