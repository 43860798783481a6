import type { RealmTx } from '@nhi/platform';
import type { DashboardFigures, TrendPoint } from './dashboard-view.ts';

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
  now: Date,
): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "DashboardSnapshot" ("realmId", day, "openAlerts", "riskScore", figures, "takenAt")
    VALUES (${realmId}, ${dayOf(now)}::date, ${openAlertsOf(figures)}, ${figures.riskScore},
      ${JSON.stringify(figures)}::jsonb, ${now.toISOString()}::timestamp)
    ON CONFLICT ("realmId", day) DO UPDATE SET "openAlerts" = excluded."openAlerts",
      "riskScore" = excluded."riskScore", figures = excluded.figures, "takenAt" = excluded."takenAt"`;
}

/** The snapshots of the 30 days before today, oldest first. */
export async function trendBefore(tx: RealmTx, realmId: string, today: string): Promise<TrendPoint[]> {
  return tx.$queryRaw<TrendPoint[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, "openAlerts", "riskScore"
    FROM "DashboardSnapshot"
    WHERE "realmId" = ${realmId} AND day >= ${daysBefore(today, 30)}::date AND day < ${today}::date
    ORDER BY day`;
}

/**
 * The figures of a week ago: the snapshot of that day, or failing it the closest one of the three
 * days before (a day the job did not run).
 */
export async function figuresWeekBefore(
  tx: RealmTx,
  realmId: string,
  today: string,
): Promise<DashboardFigures | null> {
  const weekAgo = daysBefore(today, 7);
  const rows = await tx.$queryRaw<{ figures: DashboardFigures }[]>`
    SELECT figures FROM "DashboardSnapshot"
    WHERE "realmId" = ${realmId} AND day <= ${weekAgo}::date AND day >= ${daysBefore(weekAgo, 3)}::date
    ORDER BY day DESC LIMIT 1`;
  return rows[0]?.figures ?? null;
}
