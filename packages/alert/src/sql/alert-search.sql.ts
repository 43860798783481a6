import { type Coverage, identityCovered, type RealmQuery, sql } from '@nhi/platform';

/** An alert a quick search found, with what its identity is called. */
export interface AlertSearchRow {
  id: string;
  ruleId: string;
  severity: string;
  state: string;
  subject: string;
  nhiName: string | null;
}

/**
 * Alerts of the realm about one of the identities `nhiIds` (whose name matched), and open alerts
 * of the rules `ruleIds` (whose title matched, decided in code where the titles live): `limit` of
 * each rule, whichever the (realm, rule) index reads first, since a rule may hold 60k alerts of a
 * realm of 100k identities and sorting them all would cost more than the whole search. Open
 * alerts first, the most severe and most recent of them first. Only alerts `coverage` reaches: the
 * condition sits inside each branch, so a rule's `limit` counts the caller's alerts.
 */
export async function alertSearchRows(
  query: RealmQuery,
  realmId: string,
  ruleIds: readonly string[],
  nhiIds: readonly string[],
  limit: number,
  coverage: Coverage,
): Promise<AlertSearchRow[]> {
  if (ruleIds.length === 0 && nhiIds.length === 0) return [];
  const covered = identityCovered(coverage, 'found');
  return query<AlertSearchRow>(sql`
    SELECT a.id, a."ruleId", a.severity::text AS severity, a.state::text AS state, a.subject,
      n.name AS "nhiName"
    FROM (
      SELECT of_rule.* FROM unnest(${[...ruleIds]}::text[]) AS rule(id)
      CROSS JOIN LATERAL (
        SELECT id, "realmId", "ruleId", severity, state, subject, "nhiId", "lastSeenAt" FROM "Alert" AS found
        WHERE found."realmId" = ${realmId} AND found."ruleId" = rule.id AND found.state = 'open' AND ${covered}
        LIMIT ${limit}
      ) AS of_rule
      UNION
      SELECT id, "realmId", "ruleId", severity, state, subject, "nhiId", "lastSeenAt" FROM "Alert" AS found
      WHERE found."realmId" = ${realmId} AND found."nhiId" = ANY(${[...nhiIds]}::text[]) AND ${covered}
    ) AS a
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    ORDER BY (a.state = 'open') DESC, a.severity DESC, a."lastSeenAt" DESC, a.id
    LIMIT ${limit}`);
}
