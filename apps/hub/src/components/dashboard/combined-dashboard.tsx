import type { CombinedOverview, UnavailableRealm } from '@nhi/dashboard';
import { ageBuckets, type RiskLevel, severities } from '@nhi/dashboard/view';
import { nhiEnvironments, nhiKinds } from '@nhi/nhi/vocabulary';
import { BarChartCard, TrendCard } from './chart-panel.tsx';
import type { ChartTone } from './chart-types.ts';
import { byCountDescending, categoricalTone, severityTone } from './dashboard-chart-data.ts';
import { labelOf, percent, riskLevelLabels, severityLabels } from './dashboard-labels.ts';

/**
 * The overview of several realms at once. Lists behind the figures belong to one realm each (the
 * inventory and the alerts pages show the realm the session works in), so here figures carry no
 * link: the realm's own dashboard has them.
 */
export function CombinedDashboard({
  combined,
}: {
  combined: CombinedOverview & { unavailable?: UnavailableRealm[] };
}) {
  const f = combined.figures;
  const open = severities.reduce((sum, severity) => sum + f.openAlerts[severity], 0);
  const figures: [string, string, string?][] = [
    ['NHIs', String(f.nhiTotal), `${f.nhiActive} active`],
    ['Unowned', percent(f.unowned, f.nhiActive), `${f.unowned} of ${f.nhiActive} active`],
    [
      'Credentials > 90 days',
      percent(f.credentialsOlderThan90, f.nhiActive),
      `${f.credentialsOlderThan90} active NHIs`,
    ],
    ['Expiring ≤ 30 days', String(f.expiringWithin30), 'expired included'],
    [
      'Open alerts',
      String(open),
      severities.map((s) => `${f.openAlerts[s]} ${severityLabels[s].toLowerCase()}`).join(' · '),
    ],
    ['Risk score', String(f.riskScore), 'mean of active NHIs, weighted by realm'],
    ['Leaks', String(f.leaks)],
  ];
  const bars = (
    items: { key: string; count: number }[],
    tone: (key: string) => ChartTone,
    label: (key: string) => string = labelOf,
  ) =>
    items.map((item) => ({
      key: item.key,
      label: label(item.key),
      count: item.count,
      link: null,
      tone: tone(item.key),
    }));
  return (
    <>
      <section className="card" aria-labelledby="combined-title" data-testid="dashboard-combined">
        <h2 id="combined-title">
          {combined.realms.length} realms: {combined.realms.map((realm) => realm.name).join(', ')}
        </h2>
        <p className="muted">
          Each realm counted with your access in it. Open a realm's own dashboard to follow a figure to its
          list.
        </p>
        {combined.unavailable && combined.unavailable.length > 0 ? (
          <ul className="warning" role="status" data-testid="dashboard-unavailable-realms">
            {combined.unavailable.map((realm) => (
              <li key={realm.slug}>
                {realm.name} is not counted: its instance {realm.instance} is unavailable.
              </li>
            ))}
          </ul>
        ) : null}
        <dl className="figures">
          {figures.map(([title, value, detail]) => (
            <div className="figure" key={title}>
              <dt>{title}</dt>
              <dd>
                <span className="figure-value">{value}</span>
                {detail ? <span className="figure-detail">{detail}</span> : null}
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <div className="dashboard-grid">
        <BarChartCard
          id="combined-by-kind"
          title="NHIs by kind"
          bars={byCountDescending(
            bars(combined.byKind, (key) => categoricalTone(nhiKinds, key)).filter((b) => b.count > 0),
          )}
        />
        <BarChartCard
          id="combined-by-environment"
          title="NHIs by environment"
          bars={byCountDescending(
            bars(combined.byEnvironment, (key) => categoricalTone(nhiEnvironments, key)),
          )}
        />
        <BarChartCard
          id="combined-credential-age"
          title="Credential age of active NHIs"
          bars={bars(combined.credentialAge, (key) => categoricalTone(ageBuckets, key))}
        />
        <BarChartCard
          id="combined-risk-levels"
          title="Risk level of active NHIs"
          bars={bars(
            combined.riskLevels,
            (key) => severityTone(key as RiskLevel),
            (key) => riskLevelLabels[key as keyof typeof riskLevelLabels] ?? key,
          )}
        />
        {combined.trend === null ? (
          <section className="card" aria-labelledby="combined-trend-withheld" data-testid="trend-withheld">
            <h2 id="combined-trend-withheld">Trends</h2>
            <p className="muted">{combined.trendWithheld}: no trend of your teams’ identities is shown.</p>
          </section>
        ) : combined.trend.length > 0 ? (
          <TrendCard
            id="combined-trend-alerts"
            title="Open alerts, last 30 days"
            series={{
              label: 'Open alerts',
              unit: '',
              points: combined.trend.map((point) => ({
                day: point.day,
                value: point.openAlerts,
                estimated: point.estimated,
              })),
              tone: 'cat-5',
            }}
          />
        ) : null}
        <section className="card" aria-labelledby="combined-fix-first">
          <h2 id="combined-fix-first">Fix first</h2>
          {combined.fixFirst.length === 0 ? (
            <p className="muted">No identity carries risk: nothing to fix first.</p>
          ) : (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">Identity</th>
                  <th scope="col">Realm</th>
                  <th scope="col" className="numeric">
                    Risk
                  </th>
                </tr>
              </thead>
              <tbody>
                {combined.fixFirst.map((item) => (
                  <tr key={`${item.realm.slug}:${item.nhiId}`}>
                    <td>{item.name}</td>
                    <td>{item.realm.name}</td>
                    <td className="numeric">
                      <span className={`severity severity-${item.level}`}>{item.score}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}
