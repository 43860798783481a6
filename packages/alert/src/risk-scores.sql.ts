import type { RealmTx } from '@nhi/platform';
import { severityPoints } from './alert-rules.ts';

const { critical, high, medium, low } = severityPoints;

/**
 * Recomputes the risk score of the NHIs in scope from their open and acknowledged alerts: each
 * rule adds the points of its severity once per NHI (several credentials do not multiply it), the
 * sum is capped at 100. Resolved and suppressed alerts add nothing; an NHI without points has no row.
 * Two statement pairs (whole realm, listed NHIs) rather than one with an OR, so the planner uses
 * the NHI index for a few NHIs.
 */
export async function refreshRiskScores(
  tx: RealmTx,
  realmId: string,
  now: Date,
  scope: { all: true } | { all: false; nhiIds: readonly string[] },
): Promise<void> {
  const at = now.toISOString();
  if (scope.all) {
    await tx.$executeRaw`DELETE FROM "NhiRiskScore" WHERE "realmId" = ${realmId}`;
    await tx.$executeRaw`
      INSERT INTO "NhiRiskScore" ("realmId", "nhiId", score, level, factors, "computedAt")
      SELECT ${realmId}, per_nhi."nhiId", per_nhi.score,
        (CASE WHEN per_nhi.score >= 70 THEN 'critical' WHEN per_nhi.score >= 40 THEN 'high'
          WHEN per_nhi.score >= 20 THEN 'medium' ELSE 'low' END)::"AlertSeverity",
        per_nhi.factors, ${at}::timestamp
      FROM (
        SELECT per_rule."nhiId", least(100, sum(per_rule.points))::int AS score,
          jsonb_agg(jsonb_build_object('ruleId', per_rule."ruleId", 'owaspId', per_rule."owaspId",
            'severity', per_rule.severity, 'points', per_rule.points, 'alerts', per_rule.alerts)
            ORDER BY per_rule.points DESC, per_rule."ruleId") AS factors
        FROM (
          SELECT a."nhiId", a."ruleId", min(a."owaspId") AS "owaspId", max(a.severity)::text AS severity,
            max(CASE a.severity WHEN 'critical' THEN ${critical}::int WHEN 'high' THEN ${high}::int
              WHEN 'medium' THEN ${medium}::int ELSE ${low}::int END) AS points, count(*)::int AS alerts
          FROM "Alert" AS a
          WHERE a."realmId" = ${realmId} AND a.state IN ('open', 'acknowledged') AND a."nhiId" IS NOT NULL
          GROUP BY a."nhiId", a."ruleId"
        ) AS per_rule
        GROUP BY per_rule."nhiId"
      ) AS per_nhi`;
    return;
  }
  const ids = JSON.stringify([...new Set(scope.nhiIds)]);
  await tx.$executeRaw`
    DELETE FROM "NhiRiskScore" AS r
    USING (SELECT jsonb_array_elements_text(${ids}::jsonb) AS id) AS target
    WHERE r."realmId" = ${realmId} AND r."nhiId" = target.id`;
  await tx.$executeRaw`
    INSERT INTO "NhiRiskScore" ("realmId", "nhiId", score, level, factors, "computedAt")
    SELECT ${realmId}, per_nhi."nhiId", per_nhi.score,
      (CASE WHEN per_nhi.score >= 70 THEN 'critical' WHEN per_nhi.score >= 40 THEN 'high'
        WHEN per_nhi.score >= 20 THEN 'medium' ELSE 'low' END)::"AlertSeverity",
      per_nhi.factors, ${at}::timestamp
    FROM (
      SELECT per_rule."nhiId", least(100, sum(per_rule.points))::int AS score,
        jsonb_agg(jsonb_build_object('ruleId', per_rule."ruleId", 'owaspId', per_rule."owaspId",
          'severity', per_rule.severity, 'points', per_rule.points, 'alerts', per_rule.alerts)
          ORDER BY per_rule.points DESC, per_rule."ruleId") AS factors
      FROM (
        SELECT a."nhiId", a."ruleId", min(a."owaspId") AS "owaspId", max(a.severity)::text AS severity,
          max(CASE a.severity WHEN 'critical' THEN ${critical}::int WHEN 'high' THEN ${high}::int
            WHEN 'medium' THEN ${medium}::int ELSE ${low}::int END) AS points, count(*)::int AS alerts
        FROM "Alert" AS a
        WHERE a."realmId" = ${realmId} AND a.state IN ('open', 'acknowledged')
          AND a."nhiId" IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
        GROUP BY a."nhiId", a."ruleId"
      ) AS per_rule
      GROUP BY per_rule."nhiId"
    ) AS per_nhi`;
}
