import { ClientOnly } from '@tanstack/react-router';
import { lazy, Suspense, useId, useState } from 'react';
import { barChartHeight, type ChartBar, type TrendSeries, trendHeight } from './chart-types.ts';
import { FigureLink } from './dashboard-link.tsx';

const BarChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.BarChart })));
const TrendChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.TrendChart })));

/** The chart's height, kept while the chart module loads and on the server: nothing moves when it arrives. */
function Placeholder({ height }: { height: number }) {
  // An empty svg of that height: a style attribute would need 'unsafe-inline' in the CSP.
  return <svg className="chart-placeholder" width="100%" height={height} aria-hidden="true" />;
}

/**
 * A card with a chart and the same data as a table. The chart is for the eye and the mouse; the
 * table, always in the page, is the path for keyboards and screen readers: hidden from sight until
 * focus enters it or the user asks for the table.
 */
function ChartCard({
  title,
  table,
  height,
  children,
  testId,
  note,
}: {
  title: string;
  table: React.ReactNode;
  height: number;
  children: React.ReactNode;
  testId: string;
  /** Shown under the chart or the table, e.g. what a dashed line means. */
  note?: React.ReactNode;
}) {
  const [asTable, setAsTable] = useState(false);
  const headingId = useId();
  return (
    <section className="card chart-card" aria-labelledby={headingId} data-testid={testId}>
      <div className="card-heading">
        <h2 id={headingId}>{title}</h2>
        <button
          type="button"
          className="button small secondary"
          aria-pressed={asTable}
          onClick={() => setAsTable((shown) => !shown)}
          data-testid={`${testId}-as-table`}
        >
          {asTable ? 'Show chart' : 'Show table'}
        </button>
      </div>
      {asTable ? null : (
        // Measured in the browser: the server sends the placeholder, the browser draws the chart.
        <ClientOnly fallback={<Placeholder height={height} />}>
          <Suspense fallback={<Placeholder height={height} />}>{children}</Suspense>
        </ClientOnly>
      )}
      {note}
      <div className={asTable ? 'dash-table' : 'dash-table dash-table-offscreen'}>{table}</div>
    </section>
  );
}

export function BarChartCard({ id, title, bars }: { id: string; title: string; bars: ChartBar[] }) {
  const table = (
    <table className="table compact" data-testid={`table-${id}`}>
      <caption className="visually-hidden">{title}</caption>
      <thead>
        <tr>
          <th scope="col">Value</th>
          <th scope="col" className="numeric">
            Count
          </th>
        </tr>
      </thead>
      <tbody>
        {bars.map((bar) => (
          <tr key={bar.key} data-testid={`row-${id}-${bar.key}`} data-count={bar.count}>
            <th scope="row">{bar.label}</th>
            <td className="numeric">
              <FigureLink
                link={bar.count > 0 ? bar.link : null}
                label={`${bar.label}: ${bar.count}`}
                testId={`link-${id}-${bar.key}`}
              >
                {bar.count}
              </FigureLink>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartCard title={title} table={table} height={barChartHeight(bars.length)} testId={`card-${id}`}>
      <BarChart id={id} bars={bars} />
    </ChartCard>
  );
}

/** A line needs two days: before the second daily snapshot the card says when the trend appears. */
export function TrendCard({ id, title, series }: { id: string; title: string; series: TrendSeries }) {
  if (series.points.length < 2) {
    return (
      <section className="card chart-card" data-testid={`card-${id}`}>
        <h2>{title}</h2>
        <p className="muted" data-testid={`${id}-pending`}>
          Trends appear after the second daily snapshot.
          {series.points[0] ? ` Today: ${series.points[0].value}${series.unit}.` : null}
        </p>
      </section>
    );
  }
  const table = (
    <table className="table compact" data-testid={`table-${id}`}>
      <caption className="visually-hidden">{title}</caption>
      <thead>
        <tr>
          <th scope="col">Day (UTC)</th>
          <th scope="col" className="numeric">
            {series.label}
          </th>
        </tr>
      </thead>
      <tbody>
        {series.points.map((point) => (
          <tr key={point.day} data-estimated={point.estimated ? 'true' : undefined}>
            <th scope="row">
              {point.day}
              {point.estimated ? <span className="muted"> (estimated)</span> : null}
            </th>
            <td className="numeric">{point.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartCard
      title={title}
      table={table}
      height={trendHeight}
      testId={`card-${id}`}
      note={<EstimatedNote id={id} series={series} />}
    >
      <TrendChart id={id} series={series} />
    </ChartCard>
  );
}

/** Says which days of a trend are estimated, and from what; beside the chart and its table alike. */
function EstimatedNote({ id, series }: { id: string; series: TrendSeries }) {
  const estimated = series.points.filter((point) => point.estimated).length;
  if (estimated === 0) return null;
  return (
    <p className="dash-trend-legend muted" data-testid={`${id}-estimated`} data-days={estimated}>
      <svg width="24" height="8" aria-hidden="true">
        <line x1="0" y1="4" x2="24" y2="4" strokeDasharray="5 4" strokeWidth="2" />
      </svg>{' '}
      {estimated === 1 ? 'One day' : `${estimated} days`} before the first daily snapshot: estimated from
      first-seen dates and alert history.
    </p>
  );
}
