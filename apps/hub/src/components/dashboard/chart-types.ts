import type { DashboardLink } from '@nhi/dashboard/links';

/**
 * A bar's colour, as a class of the dashboard stylesheet: a severity (`sev-high`) reads the
 * severity tokens, a category (`cat-0` … `cat-5`) the colour-blind-safe categorical palette.
 */
export type ChartTone = `sev-${'critical' | 'high' | 'medium' | 'low' | 'info'}` | `cat-${number}`;

/** One bar of a chart: what it counts, and where the list of exactly those items is. */
export interface ChartBar {
  key: string;
  label: string;
  count: number;
  link: DashboardLink | null;
  tone: ChartTone;
}

export interface TrendValue {
  day: string;
  value: number;
  estimated?: boolean;
}

export interface TrendSeries {
  label: string;
  unit: string;
  /** `estimated`: derived for a day before the first snapshot, drawn apart from measured days. */
  points: TrendValue[];
  tone: ChartTone;
}

export const barRowHeight = 30;
export const trendHeight = 200;

/** The height a bar chart takes, known before its module loads: the placeholder keeps the layout. */
export function barChartHeight(bars: number): number {
  return Math.max(1, bars) * barRowHeight + 8;
}
