import { lazy, Suspense, useId, useState } from 'react';
import { barChartHeight, type ChartBar, type TrendSeries, trendHeight } from './chart-types.ts';
import { FigureLink } from './dashboard-link.tsx';

const BarChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.BarChart })));
const TrendChart = lazy(() => import('./charts.tsx').then((module) => ({ default: module.TrendChart })));

/** A card with a chart, and the same data as a table for those who ask (screen readers, copying). */
function ChartCard({
  title,
  table,
  height,
  children,
  testId,
}: {
  title: string;
  table: React.ReactNode;
  height: number;
  children: React.ReactNode;
  testId: string;
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
      {asTable ? (
        table
      ) : (
        // The placeholder has the chart's height: nothing moves when the chart module arrives.
        // (An empty svg of that height: a style attribute would need 'unsafe-inline' in the CSP.)
        <Suspense
          fallback={<svg className="chart-placeholder" width="100%" height={height} aria-hidden="true" />}
        >
          {children}
        </Suspense>
      )}
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
          <tr key={bar.key}>
            <th scope="row">{bar.label}</th>
            <td className="numeric">
              <FigureLink link={bar.count > 0 ? bar.link : null} label={`${bar.label}: ${bar.count}`}>
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
      <BarChart id={id} title={title} bars={bars} />
    </ChartCard>
  );
}

export function TrendCard({ id, title, series }: { id: string; title: string; series: TrendSeries }) {
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
          <tr key={point.day}>
            <th scope="row">{point.day}</th>
            <td className="numeric">{point.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <ChartCard title={title} table={table} height={trendHeight} testId={`card-${id}`}>
      <TrendChart id={id} series={series} />
    </ChartCard>
  );
}
