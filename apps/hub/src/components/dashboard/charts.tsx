// Loaded on demand (React.lazy): the first paint of the dashboard does not wait for the chart library.
import { hrefOf } from '@nhi/dashboard/links';
import { useRouter } from '@tanstack/react-router';
import {
  Bar,
  CartesianGrid,
  Cell,
  LabelList,
  Line,
  BarChart as RechartsBarChart,
  LineChart as RechartsLineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { barChartHeight, type ChartBar, type TrendSeries, trendHeight } from './chart-types.ts';
import { trendRows } from './dashboard-chart-data.ts';

/** Readable at a glance: at least 12 px, as the rest of the page's small print. */
const tick = { fontSize: 13 };

/** Room for the longest label on one line at 13 px; only the longest OWASP names wrap. */
function labelWidth(bars: ChartBar[]): number {
  const longest = Math.max(0, ...bars.map((bar) => bar.label.length));
  return Math.min(300, Math.max(90, longest * 8 + 24));
}

function useFollow() {
  const router = useRouter();
  return (bar: ChartBar | undefined) => {
    const link = bar?.link;
    if (!link || !bar || bar.count === 0) return;
    if (link.to === '/inventory') void router.navigate({ to: '/inventory', search: link.search });
    else void router.navigate({ href: hrefOf(link) });
  };
}

/**
 * Horizontal bars, one per key, in the order given; a click on a bar with a list behind it opens
 * that list. Hidden from assistive technology and out of the tab order: the card's table, with a
 * real link per row, is the accessible path to the same lists.
 */
export function BarChart({ id, bars }: { id: string; bars: ChartBar[] }) {
  const follow = useFollow();
  return (
    <div className="dash-chart" aria-hidden="true" data-testid={`chart-${id}`}>
      <RechartsBarChart
        data={bars}
        layout="vertical"
        responsive
        width="100%"
        height={barChartHeight(bars.length)}
        margin={{ top: 4, right: 48, bottom: 4, left: 4 }}
        accessibilityLayer={false}
        barCategoryGap={6}
      >
        <XAxis type="number" dataKey="count" hide allowDecimals={false} />
        <YAxis
          type="category"
          dataKey="label"
          width={labelWidth(bars)}
          tick={tick}
          tickLine={false}
          axisLine={false}
          interval={0}
        />
        <Bar
          dataKey="count"
          isAnimationActive={false}
          radius={[0, 3, 3, 0]}
          minPointSize={2}
          onClick={(_data, index) => follow(bars[index])}
        >
          {bars.map((bar) => (
            <Cell
              key={bar.key}
              className={`dash-fill-${bar.tone}${bar.link && bar.count > 0 ? ' dash-bar-link' : ''}`}
            />
          ))}
          <LabelList dataKey="count" position="right" className="dash-bar-count" fontSize={13} />
        </Bar>
      </RechartsBarChart>
    </div>
  );
}

/**
 * One line over the days of the trend, with the day's value on hover; shown from two days on.
 * Days estimated before the first snapshot are a dashed, lighter line of their own.
 */
export function TrendChart({ id, series }: { id: string; series: TrendSeries }) {
  const rows = trendRows(series.points);
  const estimated = series.points.some((point) => point.estimated);
  return (
    <div className="dash-chart" aria-hidden="true" data-testid={`chart-${id}`}>
      <RechartsLineChart
        data={rows}
        responsive
        width="100%"
        height={trendHeight}
        margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
        accessibilityLayer={false}
      >
        <CartesianGrid className="dash-grid" vertical={false} />
        <XAxis dataKey="day" tick={tick} minTickGap={24} />
        <YAxis tick={tick} allowDecimals={false} width={44} />
        <Tooltip
          isAnimationActive={false}
          formatter={(value, name) => [
            `${value}${series.unit}`,
            name === 'estimated' ? `${series.label} (estimated)` : series.label,
          ]}
        />
        {estimated ? (
          <Line
            type="monotone"
            dataKey="estimated"
            className={`dash-line dash-line-estimated dash-stroke-${series.tone}`}
            strokeDasharray="5 4"
            isAnimationActive={false}
            dot={series.points.length <= 31}
          />
        ) : null}
        <Line
          type="monotone"
          dataKey="measured"
          className={`dash-line dash-stroke-${series.tone}`}
          isAnimationActive={false}
          dot={series.points.length <= 31}
        />
      </RechartsLineChart>
    </div>
  );
}
