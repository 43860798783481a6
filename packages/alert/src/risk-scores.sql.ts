import { type RealmTx, sql } from '@nhi/platform';
import { severityPoints } from './alert-rules.ts';

const { critical, high, medium, low } = severityPoints;

/**
 * Recomputes the risk score of the NHIs in scope (the whole realm, or the listed NHIs) from their
 * open and acknowledged alerts: each rule adds the points of its severity once per NHI (several
 * credentials do not multiply it), the sum is capped at 100. Resolved and suppressed alerts add
 * nothing; an NHI without points has no row, nor has an alert's subject that is no identity of the
 * inventory (the score refers to its NHI). A score is written only when it or its factors
 * changed, so `computedAt` tells since when the NHI has this score. One statement.
 */
export async function refreshRiskScores(
  tx: RealmTx,
  realmId: string,
  now: Date,
  scope: { all: true } | { all: false; nhiIds: readonly string[] },
): Promise<void> {
  if (!scope.all && scope.nhiIds.length === 0) return;
  const ids = scope.all ? [] : [...new Set(scope.nhiIds)];
  // Separate predicates rather than one with an OR, so the planner uses the NHI index for a few NHIs.
  const alertInScope = scope.all ? sql`a."nhiId" IS NOT NULL` : sql`a."nhiId" = ANY (${ids}::text[])`;
  const scoreInScope = scope.all ? sql`TRUE` : sql`r."nhiId" = ANY (${ids}::text[])`;
  await tx.$executeRaw`
    WITH computed AS (
      SELECT per_rule."nhiId", least(100, sum(per_rule.points))::int AS score,
        jsonb_agg(jsonb_build_object('ruleId', per_rule."ruleId", 'owaspId', per_rule."owaspId",
          'severity', per_rule.severity, 'points', per_rule.points, 'alerts', per_rule.alerts)
          ORDER BY per_rule.points DESC, per_rule."ruleId") AS factors
      FROM (
        SELECT a."nhiId", a."ruleId", min(a."owaspId") AS "owaspId", max(a.severity)::text AS severity,
          max(CASE a.severity WHEN 'critical' THEN ${critical}::int WHEN 'high' THEN ${high}::int
            WHEN 'medium' THEN ${medium}::int ELSE ${low}::int END) AS points, count(*)::int AS alerts
        FROM "Alert" AS a
        WHERE a."realmId" = ${realmId} AND a.state IN ('open', 'acknowledged') AND ${alertInScope}
          AND EXISTS (SELECT 1 FROM "Nhi" AS n WHERE n."realmId" = a."realmId" AND n.id = a."nhiId")
        GROUP BY a."nhiId", a."ruleId"
      ) AS per_rule
      GROUP BY per_rule."nhiId"
    ),
    removed AS (
      DELETE FROM "NhiRiskScore" AS r
      WHERE r."realmId" = ${realmId} AND ${scoreInScope}
        AND NOT EXISTS (SELECT 1 FROM computed AS c WHERE c."nhiId" = r."nhiId")
    )
    INSERT INTO "NhiRiskScore" AS r ("realmId", "nhiId", score, level, factors, "computedAt")
    SELECT ${realmId}, c."nhiId", c.score,
      (CASE WHEN c.score >= 70 THEN 'critical' WHEN c.score >= 40 THEN 'high'
        WHEN c.score >= 20 THEN 'medium' ELSE 'low' END)::"AlertSeverity",
      c.factors, ${now.toISOString()}::timestamp
    FROM computed AS c
    ON CONFLICT ("realmId", "nhiId") DO UPDATE SET score = excluded.score, level = excluded.level,
      factors = excluded.factors, "computedAt" = excluded."computedAt"
    WHERE r.score IS DISTINCT FROM excluded.score OR r.factors IS DISTINCT FROM excluded.factors`;
}
