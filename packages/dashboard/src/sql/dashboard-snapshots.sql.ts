import { type RealmQuery, type RealmTx, sql } from '@nhi/platform';
import type {
  DashboardFigures,
  DashboardFilter,
  NhiEnvironment,
  NhiProvider,
  TrendPoint,
} from '../api/dashboard-view.ts';
import { sumFigures } from '../service/dashboard-assemble.ts';
import { estimatedTrend } from './dashboard-backfill.sql.ts';

/** The figures of one environment and provider on a snapshot day, with the sum behind the mean risk. */
export interface SnapshotCell {
  environment: NhiEnvironment;
  provider: NhiProvider;
  figures: DashboardFigures;
  riskSum: number;
}

const dayMs = 86_400_000;

/** The UTC calendar day of an instant, as YYYY-MM-DD. */
export function dayOf(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

export function daysBefore(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) - days * dayMs));
}

export function openAlertsOf(figures: DashboardFigures): number {
  const open = figures.openAlerts;
  return open.critical + open.high + open.medium + open.low;
}

/** Stores the day's figures; a second snapshot the same day replaces the first. */
export async function writeSnapshot(
  tx: RealmTx,
  realmId: string,
  figures: DashboardFigures,
  cells: SnapshotCell[],
  now: Date,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "DashboardSnapshot" ("realmId", day, "openAlerts", "riskScore", figures, cells, "takenAt")
    VALUES (${realmId}, ${dayOf(now)}::date, ${openAlertsOf(figures)}, ${figures.riskScore},
      ${JSON.stringify(figures)}::jsonb, ${JSON.stringify(cells)}::jsonb, ${now.toISOString()}::timestamp)
    ON CONFLICT ("realmId", day) DO UPDATE SET "openAlerts" = excluded."openAlerts",
      "riskScore" = excluded."riskScore", figures = excluded.figures, cells = excluded.cells,
      "takenAt" = excluded."takenAt"`;
}

/** The environments and providers the realm's live identities have: the cells of a snapshot. */
export async function presentCells(
  query: RealmQuery,
  realmId: string,
): Promise<{ environment: NhiEnvironment; provider: NhiProvider }[]> {
  return query<{ environment: NhiEnvironment; provider: NhiProvider }>(sql`
    SELECT DISTINCT environment::text AS environment, provider::text AS provider
    FROM "Nhi" /* whole realm: the cells of the daily snapshot job */
    WHERE "realmId" = ${realmId} AND "deletedAt" IS NULL
    ORDER BY 1, 2`);
}

/**
 * The figures of the cells a page filter matches, added up: counts add, the risk score is the mean
 * over the cells' active identities. Null when the snapshot has no cells (taken before cells were
 * kept) or the filter names scanner sources: a trend would compare different sets.
 */
export function figuresOfCells(
  cells: SnapshotCell[] | null,
  filter: DashboardFilter,
): DashboardFigures | null {
  // Cells are per environment and provider; a scanner source cuts across them.
  if (!cells || cells.length === 0 || filter.source?.length) return null;
  const matching = cells.filter(
    (cell) =>
      (!filter.environment || filter.environment.includes(cell.environment)) &&
      (!filter.provider || filter.provider.includes(cell.provider)),
  );
  return sumFigures(matching);
}

/**
 * The snapshots of the `days` days before today (30 unless asked), oldest first; under a page
 * filter, the matching cells of the days that kept cells.
 */
export async function trendBefore(
  query: RealmQuery,
  realmId: string,
  today: string,
  filter: DashboardFilter,
  days = 30,
): Promise<TrendPoint[]> {
  if (!filter.environment && !filter.provider && !filter.source) {
    const from = daysBefore(today, days);
    const rows = await query<{
      day: string;
      openAlerts: number;
      riskScore: number;
      nhiTotal: number | null;
    }>(sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, "openAlerts", "riskScore", (figures->>'nhiTotal')::int AS "nhiTotal"
      FROM "DashboardSnapshot"
      WHERE "realmId" = ${realmId} AND day >= ${from}::date AND day < ${today}::date
      ORDER BY day`);
    const measured = rows.map(({ nhiTotal, ...point }) => ({
      ...point,
      riskScore: Number(point.riskScore),
      ...(nhiTotal === null ? {} : { nhiTotal }),
    }));
    return [...(await estimatedBefore(query, realmId, from, today)), ...measured];
  }
  const snapshots = await query<{ day: string; cells: SnapshotCell[] }>(sql`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, cells
    FROM "DashboardSnapshot"
    WHERE "realmId" = ${realmId} AND day >= ${daysBefore(today, days)}::date AND day < ${today}::date
    ORDER BY day`);
  return snapshots.flatMap(({ day, cells }) => {
    const figures = figuresOfCells(cells, filter);
    return figures
      ? [{ day, openAlerts: openAlertsOf(figures), riskScore: figures.riskScore, nhiTotal: figures.nhiTotal }]
      : [];
  });
}

/**
 * The estimated days of the range before the realm's first snapshot (before today when it has none
 * yet). Only on the unfiltered page: an identity's environment and the alerts it had are known only
 * as they are now, and a filtered past built from them would not be the cells a snapshot keeps.
 */
async function estimatedBefore(
  query: RealmQuery,
  realmId: string,
  from: string,
  today: string,
): Promise<TrendPoint[]> {
  const rows = await query<{ first: string | null }>(sql`
    SELECT to_char(min(day), 'YYYY-MM-DD') AS first FROM "DashboardSnapshot" WHERE "realmId" = ${realmId}`);
  const until = rows[0]?.first ?? today;
  return until > from ? estimatedTrend(query, realmId, from, until < today ? until : today) : [];
}

/**
 * The figures of a week ago: the snapshot of that day, or failing it the closest one of the three
 * days before (a day the job did not run).
 */
export async function figuresWeekBefore(
  query: RealmQuery,
  realmId: string,
  today: string,
  filter: DashboardFilter,
): Promise<DashboardFigures | null> {
  const weekAgo = daysBefore(today, 7);
  const rows = await query<{ figures: DashboardFigures; cells: SnapshotCell[] }>(sql`
    SELECT figures, cells FROM "DashboardSnapshot"
    WHERE "realmId" = ${realmId} AND day <= ${weekAgo}::date AND day >= ${daysBefore(weekAgo, 3)}::date
    ORDER BY day DESC LIMIT 1`);
  const row = rows[0];
  if (!row) return null;
  return filter.environment || filter.provider || filter.source
    ? figuresOfCells(row.cells, filter)
    : row.figures;
}
