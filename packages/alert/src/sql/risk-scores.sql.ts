import { type RealmTx, sql } from '@nhi/platform';
import { alertRules } from '../service/alert-rules.ts';

/** Rule id -> its risk dimension and weight, as one jsonb parameter. */
const ruleRisk = JSON.stringify(
  Object.fromEntries(
    alertRules.map((rule) => [rule.id, { dimension: rule.risk.dimension, weight: rule.risk.weight }]),
  ),
);

/** Impact assumed for an identity whose rights no rule describes: unknown, so neither none nor all. */
export const unknownImpact = 0.4;

/**
 * The score of ADR 0021 from its three dimensions (each 0..1): how much the identity can do, how
 * reachable its secret is, how badly it is kept. Impact and exposure multiply (a leaked key of an
 * administrator outranks both a leaked read-only token and an administrator nobody can reach);
 * hygiene adds at most 20 points. An identity with hygiene findings only scores from them alone.
 * Written in SQL below; this twin serves the ADR's worked examples and the tests.
 */
export function riskScoreOf(factors: {
  impact: number | null;
  exposure: number | null;
  hygiene: number;
}): number {
  const hygiene = 20 * Math.min(1, factors.hygiene);
  if (factors.impact === null && factors.exposure === null) return Math.round(hygiene);
  const impact = 0.3 + 0.7 * (factors.impact ?? unknownImpact);
  const exposure = 0.55 + 0.45 * (factors.exposure ?? 0);
  return Math.min(100, Math.round(80 * impact * exposure + hygiene));
}

/**
 * Recomputes the risk score of the NHIs in scope (the whole realm, or the listed NHIs) from their
 * open and acknowledged alerts (riskScoreOf): each rule counts once per NHI in its dimension,
 * impact and exposure by their strongest rule, hygiene as a capped sum; a leak verified live is
 * the strongest exposure. Resolved and suppressed alerts add nothing; an NHI without alerts has
 * no row, nor has an alert's subject that is no identity of the inventory (the score refers to its
 * NHI). A score is written only when it or its factors
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
    WITH per_rule AS (
      SELECT a."nhiId", a."ruleId", min(a."owaspId") AS "owaspId", max(a.severity)::text AS severity,
        min(r.value ->> 'dimension') AS dimension,
        max(CASE WHEN a.evidence ->> 'verification' = 'live' THEN 1.0
          ELSE (r.value ->> 'weight')::numeric END) AS weight,
        count(*)::int AS alerts
      FROM "Alert" AS a
      JOIN jsonb_each(${ruleRisk}::jsonb) AS r ON r.key = a."ruleId"
      WHERE a."realmId" = ${realmId} AND a.state IN ('open', 'acknowledged') AND ${alertInScope}
        AND EXISTS (SELECT 1 FROM "Nhi" AS n WHERE n."realmId" = a."realmId" AND n.id = a."nhiId")
      GROUP BY a."nhiId", a."ruleId"
    ),
    dimensions AS (
      SELECT "nhiId",
        max(weight) FILTER (WHERE dimension = 'impact') AS impact,
        max(weight) FILTER (WHERE dimension = 'exposure') AS exposure,
        least(1, coalesce(sum(weight) FILTER (WHERE dimension = 'hygiene'), 0)) AS hygiene,
        jsonb_agg(jsonb_build_object('ruleId', "ruleId", 'owaspId', "owaspId", 'severity', severity,
          'dimension', dimension, 'weight', weight, 'points', round(weight * 100)::int, 'alerts', alerts)
          ORDER BY CASE dimension WHEN 'hygiene' THEN 1 ELSE 0 END, weight DESC, "ruleId") AS factors
      FROM per_rule GROUP BY "nhiId"
    ),
    computed AS (
      SELECT "nhiId", factors, CASE WHEN impact IS NULL AND exposure IS NULL THEN round(20 * hygiene)
        ELSE least(100, round(80 * (0.3 + 0.7 * coalesce(impact, ${unknownImpact}::numeric))
          * (0.55 + 0.45 * coalesce(exposure, 0)) + 20 * hygiene)) END::int AS score
      FROM dimensions
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
