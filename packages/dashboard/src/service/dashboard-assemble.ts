import {
  type AgeBucket,
  ageBuckets,
  type CountOf,
  type DashboardFigures,
  riskLevels,
  type Severity,
} from '../api/dashboard-view.ts';
import type { AlertFigures, IdentityFigures } from '../sql/dashboard-figures.sql.ts';

/** Every key of the vocabulary in its order with its count, zeros included (charts keep their shape). */
export function countsOf<Key extends string>(
  keys: readonly Key[],
  counts: Partial<Record<string, number>>,
): CountOf<Key>[] {
  return keys.map((key) => ({ key, count: Number(counts[key] ?? 0) }));
}

/** Only the keys that occur, largest first: for open vocabularies (OWASP ids a rule may add). */
export function presentCountsOf(counts: Record<string, number>): CountOf<string>[] {
  return Object.entries(counts)
    .map(([key, count]) => ({ key, count: Number(count) }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key, 'en', { numeric: true }));
}

/** Mean over active identities, one decimal: an identity without a score counts 0. */
export function meanRisk(riskSum: number, active: number): number {
  return active === 0 ? 0 : Math.round((riskSum / active) * 10) / 10;
}

/**
 * Figures of disjoint parts (realms, or cells of a snapshot) added up: counts add, the risk score
 * is the mean over all their active identities, from each part's sum of scores.
 */
export function sumFigures(
  parts: readonly { figures: DashboardFigures; riskSum: number }[],
): DashboardFigures {
  const sum = (pick: (figures: DashboardFigures) => number) =>
    parts.reduce((total, part) => total + pick(part.figures), 0);
  const active = sum((f) => f.nhiActive);
  return {
    nhiTotal: sum((f) => f.nhiTotal),
    nhiActive: active,
    unowned: sum((f) => f.unowned),
    credentialsOlderThan90: sum((f) => f.credentialsOlderThan90),
    expiringWithin30: sum((f) => f.expiringWithin30),
    openAlerts: {
      critical: sum((f) => f.openAlerts.critical),
      high: sum((f) => f.openAlerts.high),
      medium: sum((f) => f.openAlerts.medium),
      low: sum((f) => f.openAlerts.low),
    },
    riskScore: meanRisk(
      parts.reduce((total, part) => total + part.riskSum, 0),
      active,
    ),
    leaks: sum((f) => f.leaks),
  };
}

export function figuresOf(
  identities: IdentityFigures,
  alerts: AlertFigures,
  leaks: number,
): DashboardFigures {
  const h = identities.headline;
  const severity = (key: Severity) => Number(alerts.bySeverity[key] ?? 0);
  return {
    nhiTotal: Number(h.total),
    nhiActive: Number(h.active),
    unowned: Number(h.unowned),
    credentialsOlderThan90: Number(h.olderThan90),
    expiringWithin30: Number(h.expiringWithin30),
    openAlerts: {
      critical: severity('critical'),
      high: severity('high'),
      medium: severity('medium'),
      low: severity('low'),
    },
    riskScore: meanRisk(Number(h.riskSum), Number(h.active)),
    leaks,
  };
}

export const credentialAgeOf = (identities: IdentityFigures): CountOf<AgeBucket>[] =>
  countsOf(ageBuckets, identities.credentialAge);

export const riskLevelsOf = (identities: IdentityFigures) => countsOf(riskLevels, identities.riskLevels);

/** How old figures counted at `asOf` are at `now`; never negative. */
export function ageMsOf(asOf: Date, now: Date): number {
  return Math.max(0, now.getTime() - asOf.getTime());
}
