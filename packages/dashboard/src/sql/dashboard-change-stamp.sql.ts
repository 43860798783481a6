import { type RealmQuery, sql } from '@nhi/platform';

/**
 * A cheap mark of the realm's dashboard data, each part read from an index: the newest change of
 * each table the overview reads, the number of open alerts (a transition stamped with an earlier
 * clock still moves it) and the realm's pending domain events (their count moves with every
 * identity change, finished scan and rule change, whatever the order of commits). An overview
 * built at another mark is not served. The overview cache also caps the age of what it serves, for
 * the changes no part sees (a source renamed, two changes that cancel out in a count).
 */
export async function changeStampOf(query: RealmQuery, realmId: string): Promise<string> {
  const rows = await query<{ stamp: string }>(sql`
    /* whole realm: a mark of change, no figure; any change in the realm renews every overview */
    SELECT concat_ws('|',
      (SELECT max("updatedAt") FROM "Nhi" WHERE "realmId" = ${realmId}),
      (SELECT max("createdAt") FROM "AlertEvent" WHERE "realmId" = ${realmId}),
      (SELECT count(*) FROM "Alert" WHERE "realmId" = ${realmId} AND state = 'open'),
      (SELECT max("computedAt") FROM "NhiRiskScore" WHERE "realmId" = ${realmId}),
      (SELECT max("createdAt") FROM "Scan" WHERE "realmId" = ${realmId}),
      (SELECT max("lastSeenAt") FROM "Leak" WHERE "realmId" = ${realmId}),
      (SELECT concat(count(*), '@', max("createdAt")) FROM "DomainEvent" WHERE "realmId" = ${realmId}),
      (SELECT "takenAt" FROM "DashboardSnapshot" WHERE "realmId" = ${realmId} ORDER BY day DESC LIMIT 1)
    ) AS stamp`);
  return rows[0]?.stamp ?? '';
}
