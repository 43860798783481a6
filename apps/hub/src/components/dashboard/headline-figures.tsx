import { alertsLinks, type DashboardLink, inventoryLinks } from '@nhi/dashboard/links';
import { type DashboardFigures, type DashboardOverview, severities } from '@nhi/dashboard/view';
import { percent, severityLabels } from './dashboard-labels.ts';
import { FigureLink } from './dashboard-link.tsx';

/** The change since the snapshot of a week ago; up is good or bad depending on the figure. */
function Change({
  now,
  before,
  worseWhenUp = true,
}: {
  now: number;
  before: number | undefined;
  worseWhenUp?: boolean;
}) {
  if (before === undefined) return <span className="change muted">no figure a week ago</span>;
  const delta = Math.round((now - before) * 10) / 10;
  if (delta === 0) return <span className="change muted">no change in 7 days</span>;
  const worse = delta > 0 === worseWhenUp;
  return (
    <span className={`change ${worse ? 'change-worse' : 'change-better'}`}>
      {delta > 0 ? '+' : '−'}
      {Math.abs(delta)} in 7 days
    </span>
  );
}

function Figure({
  id,
  title,
  value,
  detail,
  link,
  now,
  before,
  worseWhenUp,
}: {
  id: string;
  title: string;
  value: string;
  detail?: string;
  link: DashboardLink | null;
  now: number;
  before: number | undefined;
  worseWhenUp?: boolean;
}) {
  return (
    <div className="figure" data-testid={`figure-${id}`}>
      <dt>{title}</dt>
      <dd>
        <FigureLink link={link} label={`${title}: ${value}`} testId={`figure-${id}-value`}>
          <span className="figure-value">{value}</span>
        </FigureLink>
        {detail ? <span className="figure-detail">{detail}</span> : null}
        <Change now={now} before={before} worseWhenUp={worseWhenUp} />
      </dd>
    </div>
  );
}

export function HeadlineFigures({ overview }: { overview: DashboardOverview }) {
  const { figures: f, filter } = overview;
  const week: Partial<DashboardFigures> = overview.weekAgo ?? {};
  const openTotal = severities.reduce((sum, severity) => sum + f.openAlerts[severity], 0);
  return (
    <section className="card" aria-labelledby="headline-title">
      <h2 id="headline-title" className="visually-hidden">
        Headline figures
      </h2>
      <dl className="figures">
        <Figure
          id="total"
          title="NHIs"
          value={String(f.nhiTotal)}
          detail={`${f.nhiActive} active`}
          link={inventoryLinks.total(filter)}
          now={f.nhiTotal}
          before={week.nhiTotal}
          worseWhenUp={false}
        />
        <Figure
          id="unowned"
          title="Unowned"
          value={percent(f.unowned, f.nhiActive)}
          detail={`${f.unowned} of ${f.nhiActive} active`}
          link={inventoryLinks.unowned(filter)}
          now={f.unowned}
          before={week.unowned}
        />
        <Figure
          id="old-credentials"
          title="Credentials > 90 days"
          value={percent(f.credentialsOlderThan90, f.nhiActive)}
          detail={`${f.credentialsOlderThan90} active NHIs`}
          link={inventoryLinks.credentialsOlderThan90(filter)}
          now={f.credentialsOlderThan90}
          before={week.credentialsOlderThan90}
        />
        <Figure
          id="expiring"
          title="Expiring ≤ 30 days"
          value={String(f.expiringWithin30)}
          detail="expired included"
          link={inventoryLinks.expiringWithin30(filter)}
          now={f.expiringWithin30}
          before={week.expiringWithin30}
        />
        <Figure
          id="open-alerts"
          title="Open alerts"
          value={String(openTotal)}
          link={alertsLinks.open(filter)}
          now={openTotal}
          before={
            week.openAlerts ? severities.reduce((sum, s) => sum + (week.openAlerts?.[s] ?? 0), 0) : undefined
          }
        />
        <Figure
          id="risk"
          title="Realm risk score"
          value={String(f.riskScore)}
          detail="mean of active NHIs, 0–100"
          link={null}
          now={f.riskScore}
          before={week.riskScore}
        />
        <Figure
          id="leaks"
          title="Leaks"
          value={String(f.leaks)}
          link={null}
          now={f.leaks}
          before={week.leaks}
        />
      </dl>
      <ul className="severity-strip" aria-label="Open alerts by severity">
        {severities.map((severity) => (
          <li key={severity} className={`severity severity-${severity}`}>
            <FigureLink
              link={alertsLinks.severity(filter, severity)}
              label={`${f.openAlerts[severity]} ${severityLabels[severity]} open alerts`}
              testId={`open-${severity}`}
            >
              <strong>{f.openAlerts[severity]}</strong> {severityLabels[severity]}
            </FigureLink>
          </li>
        ))}
      </ul>
    </section>
  );
}
