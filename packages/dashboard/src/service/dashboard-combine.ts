import type {
  AlertActivity,
  CountOf,
  DashboardFigures,
  DashboardOverview,
  FixFirstItem,
  OwnerAlerts,
  RecentScan,
  TrendPoint,
} from '../api/dashboard-view.ts';
import { topOwnersSize } from '../sql/dashboard-figures.sql.ts';
import { fixFirstSize, recentSize } from '../sql/dashboard-lists.sql.ts';
import { meanRisk, sumFigures } from './dashboard-assemble.ts';

export interface RealmRef {
  slug: string;
  name: string;
}

export interface RealmOverview {
  realm: RealmRef;
  overview: DashboardOverview;
}

type InRealm<T> = T & { realm: RealmRef };

/** Several realms at once: each list item says which realm it belongs to. */
export interface CombinedOverview {
  realms: RealmRef[];
  asOf: Date;
  figures: DashboardFigures;
  weekAgo: DashboardFigures | null;
  byKind: CountOf<string>[];
  byProvider: CountOf<string>[];
  byEnvironment: CountOf<string>[];
  credentialAge: CountOf<string>[];
  openAlertsByOwasp: CountOf<string>[];
  riskLevels: CountOf<string>[];
  /** Null when a realm's overview has none (a scoped caller's): a sum without it would mislead. */
  trend: TrendPoint[] | null;
  trendWithheld: string | null;
  fixFirst: InRealm<FixFirstItem>[];
  topOwners: OwnerAlerts[];
  recentScans: InRealm<RecentScan>[];
  recentAlertActivity: InRealm<AlertActivity>[];
}

/** A realm's part of a combined figure: its mean risk weighs by its active identities. */
const realmPart = (figures: DashboardFigures) => ({
  figures,
  riskSum: figures.riskScore * figures.nhiActive,
});

/** Adds counts by key, keeping the first result's order, then keys only later results have. */
function sumCounts(lists: readonly CountOf<string>[][], byCount = false): CountOf<string>[] {
  const totals = new Map<string, number>();
  for (const list of lists)
    for (const { key, count } of list) totals.set(key, (totals.get(key) ?? 0) + count);
  const merged = [...totals].map(([key, count]) => ({ key, count }));
  return byCount ? merged.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)) : merged;
}

function newest<T>(items: T[], at: (item: T) => Date, size: number): T[] {
  return items.sort((a, b) => at(b).getTime() - at(a).getTime()).slice(0, size);
}

/**
 * Combines the overviews of several realms (each computed by its own service call, later on its
 * own worker instance) into one: counts add up, scores are means weighted by active identities,
 * lists merge and keep their size. Pure: no database, so it runs wherever the results meet.
 */
export function combineOverviews(parts: readonly RealmOverview[]): CombinedOverview {
  const overviews = parts.map((part) => part.overview);
  const tag = <T>(items: (part: RealmOverview) => T[]) =>
    parts.flatMap((part) => items(part).map((item) => ({ ...item, realm: part.realm })));
  const weekAgo = overviews.every((o) => o.weekAgo !== null)
    ? sumFigures(overviews.map((o) => realmPart(o.weekAgo as DashboardFigures)))
    : null;
  const owners = new Map<string, OwnerAlerts>();
  for (const item of overviews.flatMap((o) => o.topOwners)) {
    const known = owners.get(item.owner.email);
    owners.set(item.owner.email, known ? { ...known, openAlerts: known.openAlerts + item.openAlerts } : item);
  }
  return {
    realms: parts.map((part) => part.realm),
    asOf: new Date(Math.max(0, ...overviews.map((o) => o.asOf.getTime()))),
    figures: sumFigures(overviews.map((o) => realmPart(o.figures))),
    weekAgo: overviews.length > 0 ? weekAgo : null,
    byKind: sumCounts(overviews.map((o) => o.byKind)),
    byProvider: sumCounts(overviews.map((o) => o.byProvider)),
    byEnvironment: sumCounts(overviews.map((o) => o.byEnvironment)),
    credentialAge: sumCounts(overviews.map((o) => o.credentialAge)),
    openAlertsByOwasp: sumCounts(
      overviews.map((o) => o.openAlertsByOwasp),
      true,
    ),
    riskLevels: sumCounts(overviews.map((o) => o.riskLevels)),
    trend: combineTrends(parts),
    trendWithheld: overviews.find((o) => o.trend === null)?.trendWithheld ?? null,
    fixFirst: tag((part) => part.overview.fixFirst)
      .sort(
        (a, b) =>
          b.score - a.score || a.name.localeCompare(b.name) || a.realm.slug.localeCompare(b.realm.slug),
      )
      .slice(0, fixFirstSize),
    topOwners: [...owners.values()]
      .sort((a, b) => b.openAlerts - a.openAlerts || a.owner.email.localeCompare(b.owner.email))
      .slice(0, topOwnersSize),
    recentScans: newest(
      tag((part) => part.overview.recentScans),
      (scan) => scan.createdAt,
      recentSize,
    ),
    recentAlertActivity: newest(
      tag((part) => part.overview.recentAlertActivity),
      (activity) => activity.at,
      recentSize,
    ),
  };
}

/**
 * Days every realm has a point for: a day missing in one realm would show a false dip. A day
 * estimated in any realm is estimated in the sum, and has no risk score when one realm has none.
 */
function combineTrends(parts: readonly RealmOverview[]): TrendPoint[] | null {
  if (parts.length === 0) return [];
  const byDay = new Map<string, CombinedDay>();
  for (const { overview } of parts) {
    if (overview.trend === null) return null;
    const active = overview.figures.nhiActive;
    for (const point of overview.trend) {
      byDay.set(point.day, addPoint(byDay.get(point.day), point, active));
    }
  }
  return [...byDay]
    .filter(([, day]) => day.realms === parts.length)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, totals]) => ({
      day,
      openAlerts: totals.openAlerts,
      riskScore: totals.unscored ? null : meanRisk(totals.weighted, totals.active),
      ...(totals.nhiTotal === null ? {} : { nhiTotal: totals.nhiTotal }),
      ...(totals.estimated ? { estimated: true as const } : {}),
    }));
}

interface CombinedDay {
  openAlerts: number;
  weighted: number;
  active: number;
  realms: number;
  nhiTotal: number | null;
  unscored: boolean;
  estimated: boolean;
}

function addPoint(day: CombinedDay | undefined, point: TrendPoint, active: number): CombinedDay {
  const sum = day ?? {
    openAlerts: 0,
    weighted: 0,
    active: 0,
    realms: 0,
    nhiTotal: 0,
    unscored: false,
    estimated: false,
  };
  return {
    openAlerts: sum.openAlerts + point.openAlerts,
    weighted: sum.weighted + (point.riskScore ?? 0) * active,
    active: sum.active + active,
    realms: sum.realms + 1,
    nhiTotal: sum.nhiTotal === null || point.nhiTotal === undefined ? null : sum.nhiTotal + point.nhiTotal,
    unscored: sum.unscored || point.riskScore === null,
    estimated: sum.estimated || point.estimated === true,
  };
}
