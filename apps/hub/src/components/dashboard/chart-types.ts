import type { DashboardLink } from '@nhi/dashboard/links';

/** One bar of a chart: what it counts, and where the list of exactly those items is. */
export interface ChartBar {
  key: string;
  label: string;
  count: number;
  link: DashboardLink | null;
}

export interface TrendSeries {
  label: string;
  unit: string;
  points: { day: string; value: number }[];
}

export const barRowHeight = 26;
export const trendHeight = 140;

/** The height a bar chart takes, known before its module loads: the placeholder keeps the layout. */
export function barChartHeight(bars: number): number {
  return Math.max(1, bars) * barRowHeight + 4;
}
