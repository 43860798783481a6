import { type Coverage, joinSql, ownerCovered, type RealmQuery, type Sql, sql } from '@nhi/platform';

/** An alert as an export writes it: the alert, what its identity is and who owns it, its risk. */
export interface AlertExportRow {
  id: string;
  fingerprint: string;
  ruleId: string;
  owaspId: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  state: 'open' | 'acknowledged' | 'resolved' | 'suppressed';
  subject: string;
  /** Masked matches and hints only: evaluation never writes a secret into evidence. */
  evidence: unknown;
  firstSeenAt: Date;
  lastSeenAt: Date;
  stateChangedAt: Date;
  createdAt: Date;
  resolution: string | null;
  suppressedUntil: Date | null;
  nhiId: string | null;
  nhiName: string | null;
  nhiKind: string | null;
  provider: string | null;
  externalId: string | null;
  environment: string | null;
  tags: string[] | null;
  region: string | null;
  ownerEmail: string | null;
  ownerTeam: string | null;
  riskScore: number | null;
  riskLevel: string | null;
}

export interface AlertExportFilter {
  states?: readonly string[];
  severities?: readonly string[];
  ruleIds?: readonly string[];
}

function filterConditions(filter: AlertExportFilter, after: string | null): Sql {
  const and: Sql[] = [sql`TRUE`];
  if (filter.states?.length) and.push(sql`a.state::text = ANY(${[...filter.states]}::text[])`);
  if (filter.severities?.length) and.push(sql`a.severity::text = ANY(${[...filter.severities]}::text[])`);
  if (filter.ruleIds?.length) and.push(sql`a."ruleId" = ANY(${[...filter.ruleIds]}::text[])`);
  if (after) and.push(sql`a.id > ${after}`);
  return joinSql(and, ' AND ');
}

/**
 * The next `limit` alerts after the alert `after` (null: from the start), in id order: an export
 * reads the realm in such batches, by the (realm, id) key, so that memory holds one batch however
 * many alerts there are. Only alerts `coverage` reaches (the alert list's rule: a scoped member
 * sees the alerts of identities its teams own).
 */
export function readAlertExportBatch(
  query: RealmQuery,
  realmId: string,
  filter: AlertExportFilter,
  coverage: Coverage,
  page: { after: string | null; limit: number },
): Promise<AlertExportRow[]> {
  return query<AlertExportRow>(sql`
    SELECT a.id, a.fingerprint, a."ruleId", a."owaspId", a.severity::text AS severity, a.state::text AS state,
      a.subject, a.evidence, a."firstSeenAt", a."lastSeenAt", a."stateChangedAt", a."createdAt", a.resolution,
      a."suppressedUntil", a."nhiId", n.name AS "nhiName", n.kind::text AS "nhiKind", n.provider::text AS provider,
      n."externalId", n.environment::text AS environment, n.tags, n.metadata->>'region' AS region,
      u.email AS "ownerEmail", g.name AS "ownerTeam", r.score AS "riskScore", r.level::text AS "riskLevel"
    FROM "Alert" AS a
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
    LEFT JOIN "PolicyGroup" AS g ON g."realmId" = n."realmId" AND g.id = n."ownerGroupId"
    LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = a."realmId" AND r."nhiId" = a."nhiId"
    WHERE a."realmId" = ${realmId} AND ${filterConditions(filter, page.after)} AND ${ownerCovered(coverage, 'n')}
    ORDER BY a.id
    LIMIT ${page.limit}`);
}
