import { owaspNhiRisks } from '@nhi/alert/owasp';
import { alertRuleOf, alertRules } from '@nhi/alert/rules';
import type { DashboardLink } from '@nhi/dashboard/links';
import type { RiskLevel } from '@nhi/dashboard/view';
import type { ChartBar, ChartTone, TrendValue } from './chart-types.ts';

/** The eight hues of Okabe-Ito (black follows the theme's text colour). */
export const categoricalTones = 8;

/**
 * A category keeps its colour wherever it appears and however the bars are sorted: the colour
 * follows the key's place in its vocabulary, not the bar's place in the chart.
 */
export function categoricalTone(vocabulary: readonly string[], key: string): ChartTone {
  const index = vocabulary.indexOf(key);
  return `cat-${(index < 0 ? vocabulary.length : index) % categoricalTones}`;
}

/** Severity colours mean the same on every chart; "no risk" reads as information. */
export function severityTone(level: RiskLevel): ChartTone {
  return level === 'none' ? 'sev-info' : `sev-${level}`;
}

/** Largest first; equal counts in the label's order, so the chart does not reshuffle on refresh. */
export function byCountDescending(bars: readonly ChartBar[]): ChartBar[] {
  return [...bars].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'en'));
}

/** One day of a trend chart: its value on the measured line, the estimated line, or both. */
export interface TrendRow {
  day: string;
  measured: number | null;
  estimated: number | null;
}

/**
 * Measured days on one line, estimated days on another drawn apart; the estimated line goes on to
 * the first measured day, so the two join without the estimate passing for a measure.
 */
export function trendRows(points: readonly TrendValue[]): TrendRow[] {
  return points.map((point, i) => {
    const joinsEstimate = !point.estimated && points[i - 1]?.estimated === true;
    return {
      day: point.day,
      measured: point.estimated ? null : point.value,
      estimated: point.estimated || joinsEstimate ? point.value : null,
    };
  });
}

/** A rule's title from the catalogue; a rule the catalogue no longer has reads as its id. */
export function ruleTitleOf(ruleId: string): string {
  return alertRuleOf(ruleId)?.title ?? ruleId;
}

export type PostureStatus = 'fail' | 'pass' | 'not-checked';

export interface PostureRow {
  id: string;
  name: string;
  status: PostureStatus;
  openAlerts: number;
  /** The titles of the realm's enabled rules that check this risk. */
  rules: string[];
  link: DashboardLink | null;
}

/**
 * Each risk of the OWASP NHI Top 10: failed while it has open alerts, passed when enabled rules
 * check it and found nothing, not checked when no enabled rule covers it.
 */
export function owaspPosture(
  openAlertsByOwasp: readonly { key: string; count: number }[],
  disabledRules: readonly string[],
  linkOf: (owaspId: string) => DashboardLink,
): PostureRow[] {
  const disabled = new Set(disabledRules);
  return owaspNhiRisks.map(({ id, name }) => {
    const rules = alertRules
      .filter((rule) => rule.owaspId === id && !disabled.has(rule.id))
      .map((rule) => rule.title);
    const openAlerts = openAlertsByOwasp.find((item) => item.key === id)?.count ?? 0;
    const status: PostureStatus = openAlerts > 0 ? 'fail' : rules.length > 0 ? 'pass' : 'not-checked';
    return { id, name, status, openAlerts, rules, link: openAlerts > 0 ? linkOf(id) : null };
  });
}
