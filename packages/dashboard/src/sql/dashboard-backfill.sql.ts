import { type RealmQuery, sql } from '@nhi/platform';
import type { TrendPoint } from '../api/dashboard-view.ts';

const dayMs = 86_400_000;

/** How a count moves on a day: the changes up to its 00:00 UTC not counted on an earlier day. */
interface DayChange {
  day: string;
  delta: number;
}

function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + dayMs).toISOString().slice(0, 10);
}

/**
 * Identities known at 00:00 UTC of each day up to `last`, as changes per day: +1 on the first day
 * at or after an identity was first seen (or created, when earlier), -1 on the first day at or after
 * its deletion. Changes before `from` fall on `from`, so its count starts from the whole past. One
 * pass over the realm's identities, grouped by day: bounded by the range, not the realm's size.
 */
async function identityChanges(query: RealmQuery, realmId: string, from: string, last: string) {
  return query<DayChange>(sql`
    SELECT to_char(greatest((c.at - interval '1 microsecond')::date + 1, ${from}::date), 'YYYY-MM-DD') AS day,
      sum(c.delta)::int AS delta
    FROM "Nhi" n /* whole realm: the realm's trend, which scoped callers do not get */
    CROSS JOIN LATERAL (VALUES (least(n."firstSeenAt", n."createdAt"), 1), (n."deletedAt", -1)) AS c(at, delta)
    WHERE n."realmId" = ${realmId} AND c.at <= ${last}::timestamp
    GROUP BY 1`);
}

/**
 * Open alerts at 00:00 UTC of each day up to `last`, as changes per day, from the alerts' state
 * history: each state entry lasts until the alert's next one; an entry into `open` adds one on the
 * first day at or after it, its end takes it away. Acknowledged alerts are being worked on and do
 * not count, as in the open-alerts figure. One pass over the realm's history, grouped by day.
 */
async function openAlertChanges(query: RealmQuery, realmId: string, from: string, last: string) {
  return query<DayChange>(sql`
    SELECT to_char(greatest((c.at - interval '1 microsecond')::date + 1, ${from}::date), 'YYYY-MM-DD') AS day,
      sum(c.delta)::int AS delta
    FROM (
      SELECT e."toState", e."createdAt" AS started,
        lead(e."createdAt") OVER (PARTITION BY e."alertId" ORDER BY e."createdAt", e.id) AS ended
      FROM "AlertEvent" e /* whole realm: the realm's trend, which scoped callers do not get */
      WHERE e."realmId" = ${realmId} AND e.kind = 'state' AND e."createdAt" <= ${last}::timestamp
    ) AS s
    CROSS JOIN LATERAL (VALUES (s.started, 1), (s.ended, -1)) AS c(at, delta)
    WHERE s."toState" = 'open' AND c.at <= ${last}::timestamp
    GROUP BY 1`);
}

/** The running count on every day from `from` to `last`. */
function runningCounts(changes: DayChange[], days: string[]): number[] {
  const deltas = new Map(changes.map((change) => [change.day, Number(change.delta)]));
  let count = 0;
  return days.map((day) => {
    count += deltas.get(day) ?? 0;
    return count;
  });
}

/**
 * The estimated trend of the days from `from` up to (not including) `until`, the realm's first
 * snapshot or today: identities known and open alerts, each as at 00:00 UTC of the day (when a
 * snapshot would have been taken). Past risk scores cannot be rebuilt (scores are kept only as they
 * are now), so they stay null. Starts on the first day anything was known: an empty realm before
 * its first identity is no trend.
 */
export async function estimatedTrend(
  query: RealmQuery,
  realmId: string,
  from: string,
  until: string,
): Promise<TrendPoint[]> {
  const days: string[] = [];
  for (let day = from; day < until; day = dayAfter(day)) days.push(day);
  const last = days.at(-1);
  if (!last) return [];
  const identities = runningCounts(await identityChanges(query, realmId, from, last), days);
  const openAlerts = runningCounts(await openAlertChanges(query, realmId, from, last), days);
  const first = days.findIndex((_, i) => (identities[i] ?? 0) > 0 || (openAlerts[i] ?? 0) > 0);
  if (first < 0) return [];
  return days.slice(first).map((day, i) => ({
    day,
    openAlerts: openAlerts[first + i] ?? 0,
    riskScore: null,
    nhiTotal: identities[first + i] ?? 0,
    estimated: true as const,
  }));
}
