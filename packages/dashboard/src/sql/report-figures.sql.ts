import { type RealmQuery, sql } from '@nhi/platform';
import type { AlertAgeBucket, OwnerRisk, ReportSourceType, TeamAlerts } from '../api/report-view.ts';

/** How many owners the report lists under "owners with most critical and high alerts". */
export const reportTopOwnersSize = 10;

const dayMs = 86_400_000;

/**
 * Open alerts by the team owning their identity (the identity's owner group), most first; alerts
 * about no identity or an identity no team owns count under null. Same "open" as the dashboard.
 */
export async function openAlertsByTeam(query: RealmQuery, realmId: string): Promise<TeamAlerts[]> {
  return query<TeamAlerts>(sql`
    SELECT n."ownerGroupId" AS "groupId", coalesce(g.name, 'No owner team') AS team, count(*)::int AS "openAlerts"
    FROM "Alert" AS a /* whole realm: posture reports are realm-wide, scoped callers are refused */
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    LEFT JOIN "PolicyGroup" AS g ON g."realmId" = a."realmId" AND g.id = n."ownerGroupId"
    WHERE a."realmId" = ${realmId} AND a.state = 'open'
    GROUP BY n."ownerGroupId", g.name
    ORDER BY count(*) DESC, team`);
}

/** Open alerts by how long ago they were first seen. */
export async function openAlertAgeing(
  query: RealmQuery,
  realmId: string,
  now: Date,
): Promise<Record<AlertAgeBucket, number>> {
  const before = (days: number) => new Date(now.getTime() - days * dayMs).toISOString();
  const rows = await query<Record<AlertAgeBucket, number>>(sql`
    SELECT
      count(*) FILTER (WHERE a."firstSeenAt" > ${before(7)}::timestamp)::int AS "<7d",
      count(*) FILTER (WHERE a."firstSeenAt" <= ${before(7)}::timestamp AND a."firstSeenAt" > ${before(30)}::timestamp)::int AS "7-30d",
      count(*) FILTER (WHERE a."firstSeenAt" <= ${before(30)}::timestamp AND a."firstSeenAt" > ${before(90)}::timestamp)::int AS "30-90d",
      count(*) FILTER (WHERE a."firstSeenAt" <= ${before(90)}::timestamp)::int AS ">90d"
    FROM "Alert" AS a /* whole realm: posture reports are realm-wide, scoped callers are refused */
    WHERE a."realmId" = ${realmId} AND a.state = 'open'`);
  return rows[0] ?? { '<7d': 0, '7-30d': 0, '30-90d': 0, '>90d': 0 };
}

/** The owners whose identities have the most open critical, then high, alerts. */
export async function topOwnersByRisk(query: RealmQuery, realmId: string): Promise<OwnerRisk[]> {
  return query<OwnerRisk>(sql`
    SELECT u.email,
      count(*) FILTER (WHERE a.severity = 'critical')::int AS critical,
      count(*) FILTER (WHERE a.severity = 'high')::int AS high
    FROM "Alert" AS a /* whole realm: posture reports are realm-wide, scoped callers are refused */
    JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    JOIN "User" AS u ON u.id = n."ownerUserId"
    WHERE a."realmId" = ${realmId} AND a.state = 'open' AND a.severity IN ('critical', 'high')
    GROUP BY u.email
    ORDER BY critical DESC, high DESC, u.email
    LIMIT ${reportTopOwnersSize}`);
}

/** The scanner source types the realm has connected. */
export async function connectedSourceTypes(query: RealmQuery, realmId: string): Promise<ReportSourceType[]> {
  const rows = await query<{ type: ReportSourceType }>(sql`
    SELECT DISTINCT type::text AS type FROM "Source" WHERE "realmId" = ${realmId} ORDER BY 1`);
  return rows.map((row) => row.type);
}

export interface ChangeCounts {
  newAlerts: number;
  closedAlerts: number;
  identitiesAdded: number;
  identitiesRemoved: number;
}

/**
 * What moved since the previous report: alerts first seen since, alerts resolved or suppressed
 * since (and still so), identities recorded since (still there) and identities deleted since.
 */
export async function changesSince(query: RealmQuery, realmId: string, since: Date): Promise<ChangeCounts> {
  const at = since.toISOString();
  const rows = await query<ChangeCounts>(sql`
    SELECT
      (SELECT count(*)::int FROM "Alert" AS a /* whole realm: posture reports are realm-wide */
        WHERE a."realmId" = ${realmId} AND a."firstSeenAt" > ${at}::timestamp) AS "newAlerts",
      (SELECT count(*)::int FROM "Alert" AS a /* whole realm: posture reports are realm-wide */
        WHERE a."realmId" = ${realmId} AND a.state IN ('resolved', 'suppressed')
          AND a."stateChangedAt" > ${at}::timestamp) AS "closedAlerts",
      (SELECT count(*)::int FROM "Nhi" AS n /* whole realm: posture reports are realm-wide */
        WHERE n."realmId" = ${realmId} AND n."createdAt" > ${at}::timestamp AND n."deletedAt" IS NULL) AS "identitiesAdded",
      (SELECT count(*)::int FROM "Nhi" AS n /* whole realm: posture reports are realm-wide */
        WHERE n."realmId" = ${realmId} AND n."deletedAt" > ${at}::timestamp) AS "identitiesRemoved"`);
  const row = rows[0];
  if (!row) throw new Error('The report changes query returned no row');
  return row;
}
