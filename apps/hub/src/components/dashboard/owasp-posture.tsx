import { alertsLinks } from '@nhi/dashboard/links';
import type { DashboardOverview } from '@nhi/dashboard/view';
import { owaspPosture, type PostureStatus } from './dashboard-chart-data.ts';
import { FigureLink } from './dashboard-link.tsx';

const statusLabels: Record<PostureStatus, string> = {
  fail: 'Fail',
  pass: 'Pass',
  'not-checked': 'Not checked',
};

/**
 * The realm against the OWASP NHI Top 10, one row per risk: fail while open alerts of that risk
 * remain (with their count, a link to them), pass when the realm's rules check it and find nothing,
 * not checked when no enabled rule covers it.
 */
export function OwaspPosture({ overview }: { overview: DashboardOverview }) {
  const rows = owaspPosture(overview.openAlertsByOwasp, overview.disabledRules, (id) =>
    alertsLinks.owasp(overview.filter, id),
  );
  const failed = rows.filter((row) => row.status === 'fail').length;
  const checked = rows.filter((row) => row.status !== 'not-checked').length;
  return (
    <section className="card" aria-labelledby="posture-title" data-testid="owasp-posture">
      <h2 id="posture-title">Posture against the OWASP NHI Top 10</h2>
      <p className="muted">
        {failed} of {checked} checked risks fail
        {checked < rows.length ? `; ${rows.length - checked} not checked by any enabled rule` : ''}.
      </p>
      <table className="table compact dash-posture">
        <thead>
          <tr>
            <th scope="col">Risk</th>
            <th scope="col">Status</th>
            <th scope="col" className="numeric">
              Open alerts
            </th>
            <th scope="col">Checked by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid={`posture-${row.id}`} data-status={row.status}>
              <th scope="row">
                {row.id} {row.name}
              </th>
              <td>
                <span className={`dash-status dash-status-${row.status}`}>{statusLabels[row.status]}</span>
              </td>
              <td className="numeric">
                <FigureLink
                  link={row.link}
                  label={`Open alerts of ${row.id} ${row.name}: ${row.openAlerts}`}
                  testId={`posture-${row.id}-alerts`}
                >
                  {row.openAlerts}
                </FigureLink>
              </td>
              <td className="hint">
                {row.rules.length === 0
                  ? 'no enabled rule'
                  : row.rules.length === 1
                    ? row.rules[0]
                    : `${row.rules.length} rules`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
