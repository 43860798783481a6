// Loaded on demand (React.lazy): the first paint of the dashboard does not wait for the charts.
import { hrefOf } from '@nhi/dashboard/links';
import { useRouter } from '@tanstack/react-router';
import type { MouseEvent } from 'react';
import { barChartHeight, barRowHeight, type ChartBar, type TrendSeries, trendHeight } from './chart-types.ts';

const labelWidth = 150;
const countWidth = 56;
const width = 520;

function useFollow() {
  const router = useRouter();
  return (event: MouseEvent, bar: ChartBar) => {
    const link = bar.link;
    if (link?.to !== '/inventory') return;
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void router.navigate({ to: '/inventory', search: link.search });
  };
}

/** Horizontal bars, one per key; each bar with a list behind it is a link to that list. */
export function BarChart({ id, title, bars }: { id: string; title: string; bars: ChartBar[] }) {
  const follow = useFollow();
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  const barSpace = width - labelWidth - countWidth;
  return (
    <svg
      viewBox={`0 0 ${width} ${barChartHeight(bars.length)}`}
      width="100%"
      height={barChartHeight(bars.length)}
      role="img"
      aria-labelledby={`${id}-title`}
      className="bar-chart"
      data-testid={`chart-${id}`}
    >
      <title id={`${id}-title`}>{title}</title>
      {bars.map((bar, index) => {
        const y = index * barRowHeight + 2;
        const length = bar.count === 0 ? 0 : Math.max(2, (bar.count / max) * barSpace);
        const row = (
          <>
            <text x={labelWidth - 8} y={y + 16} textAnchor="end" className="bar-label">
              {bar.label}
            </text>
            <rect x={labelWidth} y={y + 3} width={length} height={barRowHeight - 8} rx={3} className="bar" />
            <text x={labelWidth + length + 6} y={y + 16} className="bar-count">
              {bar.count}
            </text>
          </>
        );
        return bar.link && bar.count > 0 ? (
          <a
            key={bar.key}
            href={hrefOf(bar.link)}
            onClick={(event) => follow(event, bar)}
            aria-label={`${bar.label}: ${bar.count}`}
            data-testid={`bar-${id}-${bar.key}`}
            data-count={bar.count}
          >
            {row}
          </a>
        ) : (
          <g key={bar.key} data-testid={`bar-${id}-${bar.key}`} data-count={bar.count}>
            <title>{`${bar.label}: ${bar.count}`}</title>
            {row}
          </g>
        );
      })}
    </svg>
  );
}

/** One line over the days of the trend; each point names its day and value. */
export function TrendChart({ id, series }: { id: string; series: TrendSeries }) {
  const { points } = series;
  const max = Math.max(1, ...points.map((point) => point.value));
  const left = 36;
  const right = width - 12;
  const top = 12;
  const bottom = trendHeight - 24;
  const x = (index: number) =>
    points.length < 2 ? (left + right) / 2 : left + (index / (points.length - 1)) * (right - left);
  const y = (value: number) => bottom - (value / max) * (bottom - top);
  const path = points
    .map((point, index) => `${index === 0 ? 'M' : 'L'}${x(index)},${y(point.value)}`)
    .join(' ');
  const first = points.at(0);
  const last = points.at(-1);
  return (
    <svg
      viewBox={`0 0 ${width} ${trendHeight}`}
      width="100%"
      height={trendHeight}
      role="img"
      aria-labelledby={`${id}-title`}
      className="trend-chart"
      data-testid={`chart-${id}`}
    >
      <title id={`${id}-title`}>{`${series.label}, last ${points.length} days`}</title>
      <line x1={left} x2={right} y1={bottom} y2={bottom} className="axis" />
      <text x={left - 6} y={top + 4} textAnchor="end" className="axis-label">
        {max}
      </text>
      <text x={left - 6} y={bottom} textAnchor="end" className="axis-label">
        0
      </text>
      {first ? (
        <text x={left} y={trendHeight - 6} className="axis-label">
          {first.day}
        </text>
      ) : null}
      {last && points.length > 1 ? (
        <text x={right} y={trendHeight - 6} textAnchor="end" className="axis-label">
          {last.day}
        </text>
      ) : null}
      <path d={path} className="trend-line" fill="none" />
      {points.map((point, index) => (
        <circle key={point.day} cx={x(index)} cy={y(point.value)} r={3} className="trend-point">
          <title>{`${point.day}: ${point.value}${series.unit}`}</title>
        </circle>
      ))}
    </svg>
  );
}
