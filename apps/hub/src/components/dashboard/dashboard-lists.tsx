import { owaspLabelOf } from '@nhi/alert/owasp';
import { alertsLinks } from '@nhi/dashboard/links';
import type { DashboardOverview } from '@nhi/dashboard/view';
import { Link } from '@tanstack/react-router';
import { formatInstant } from '../shared/format-instant.ts';
import { TableScroll } from '../shared/table-scroll.tsx';
import { ruleTitleOf } from './dashboard-chart-data.ts';
import { labelOf, severityLabels } from './dashboard-labels.ts';
import { FigureLink } from './dashboard-link.tsx';

/** Full width: the owner to ask and the reason to act are read without scrolling sideways. */
export function FixFirst({ overview }: { overview: DashboardOverview }) {
  return (
    <section className="card" aria-labelledby="fix-first-title" data-testid="fix-first">
      <h2 id="fix-first-title">Fix first</h2>
      {overview.fixFirst.length === 0 ? (
        <p className="muted">No identity carries risk: nothing to fix first.</p>
      ) : (
        <table className="table compact dash-fix-first">
          <thead>
            <tr>
              <th scope="col">Identity</th>
              <th scope="col" className="numeric">
                Risk
              </th>
              <th scope="col">Owner</th>
              <th scope="col">Main factor</th>
            </tr>
          </thead>
          <tbody>
            {overview.fixFirst.map((item) => (
              <tr key={item.nhiId}>
                <td>
                  <Link to="/inventory/$id" params={{ id: item.nhiId }}>
                    {item.name}
                  </Link>
                  <span className="hint dash-identity-detail">
                    {labelOf(item.kind)} · {item.provider} · {item.environment}
                  </span>
                </td>
                <td className="numeric">
                  <span className={`severity severity-${item.level}`}>{item.score}</span>
                </td>
                <td data-testid="fix-first-owner">
                  {item.owner?.email ?? <span className="badge badge-unowned">unowned</span>}
                </td>
                <td data-testid="fix-first-factor">
                  {item.mainFactor ? (
                    <>
                      {ruleTitleOf(item.mainFactor.ruleId)}
                      <span className="hint dash-identity-detail">
                        {owaspLabelOf(item.mainFactor.owaspId)}
                      </span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function TopOwners({ overview }: { overview: DashboardOverview }) {
  return (
    <section className="card" aria-labelledby="owners-title" data-testid="top-owners">
      <h2 id="owners-title">Owners with most open alerts</h2>
      {overview.topOwners.length === 0 ? (
        <p className="muted">No owned identity has an open alert.</p>
      ) : (
        <ol className="ranked">
          {overview.topOwners.map((entry) => (
            <li key={entry.owner.id}>
              <span>{entry.owner.email}</span>
              <FigureLink
                link={alertsLinks.owner(overview.filter, entry.owner.id)}
                label={`Open alerts of ${entry.owner.email}: ${entry.openAlerts}`}
              >
                {entry.openAlerts}
              </FigureLink>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function RecentScans({ overview }: { overview: DashboardOverview }) {
  return (
    <section className="card" aria-labelledby="scans-title" data-testid="recent-scans">
      <h2 id="scans-title">Recent scans</h2>
      {overview.recentScans.length === 0 ? (
        <p className="muted">No scan yet.</p>
      ) : (
        <TableScroll label="Recent scans table">
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col" className="numeric">
                  New / updated / missing
                </th>
                <th scope="col" className="numeric">
                  Leaks
                </th>
                <th scope="col">Started (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {overview.recentScans.map((scan) => (
                <tr key={scan.id}>
                  <td>{scan.sourceName}</td>
                  <td>
                    <span className={`status status-scan-${scan.state}`}>{scan.state}</span>
                  </td>
                  <td className="numeric">
                    {scan.newCount} / {scan.updatedCount} / {scan.missingCount}
                  </td>
                  <td className="numeric">{scan.leakCount}</td>
                  <td className="nowrap">{formatInstant(new Date(scan.createdAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

export function AlertActivity({ overview }: { overview: DashboardOverview }) {
  return (
    <section className="card" aria-labelledby="activity-title" data-testid="alert-activity">
      <h2 id="activity-title">Recent alert activity</h2>
      {overview.recentAlertActivity.length === 0 ? (
        <p className="muted">No alert has changed yet.</p>
      ) : (
        <ul className="activity">
          {overview.recentAlertActivity.map((entry) => (
            <li key={`${entry.alertId}-${new Date(entry.at).getTime()}-${entry.toState}`}>
              <span className={`severity severity-${entry.severity}`}>{severityLabels[entry.severity]}</span>{' '}
              {ruleTitleOf(entry.ruleId)} {entry.nhiName ? <>on {entry.nhiName} </> : null}
              {entry.fromState ? `${entry.fromState} → ${entry.toState}` : `raised (${entry.toState})`}
              <span className="hint"> {formatInstant(new Date(entry.at))}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
