import { liveIdentityMatching } from '@nhi/nhi';
import { type Coverage, ownerCovered, type RealmQuery, sql } from '@nhi/platform';
import type {
  AlertActivity,
  DashboardFilter,
  FixFirstItem,
  RecentScan,
  ScannerSource,
} from '../api/dashboard-view.ts';
import { filterParams } from './dashboard-figures.sql.ts';

export const fixFirstSize = 10;
export const recentSize = 8;

interface FixFirstRow extends Omit<FixFirstItem, 'owner'> {
  ownerId: string | null;
  ownerEmail: string | null;
}

/**
 * The live identities `coverage` reaches with the highest risk scores; ties by id (the score index
 * serves the order).
 */
export async function fixFirst(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  coverage: Coverage,
): Promise<FixFirstItem[]> {
  const rows = await query<FixFirstRow>(sql`
    SELECT n.id AS "nhiId", n.name, n.kind::text AS kind, n.provider::text AS provider,
      n.environment::text AS environment, r.score, r.level::text AS level,
      u.id AS "ownerId", u.email AS "ownerEmail",
      CASE WHEN jsonb_array_length(r.factors) > 0 THEN jsonb_build_object(
        'ruleId', r.factors -> 0 ->> 'ruleId', 'owaspId', r.factors -> 0 ->> 'owaspId',
        'severity', r.factors -> 0 ->> 'severity') END AS "mainFactor"
    FROM "NhiRiskScore" AS r
    JOIN "Nhi" AS n ON n."realmId" = r."realmId" AND n.id = r."nhiId"
    LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
    WHERE r."realmId" = ${realmId} AND ${liveIdentityMatching(filter)}
      AND ${ownerCovered(coverage, 'n')}
    ORDER BY r.score DESC, r."nhiId" DESC
    LIMIT ${fixFirstSize}`);
  return rows.map(({ ownerId, ownerEmail, ...item }) => ({
    ...item,
    owner: ownerId && ownerEmail ? { id: ownerId, email: ownerEmail } : null,
  }));
}

/** The last scans; the environment filter applies through the scanned source's environment, the source filter to the scans of those sources. */
export async function recentScans(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
): Promise<RecentScan[]> {
  const { environments, sources } = filterParams(filter);
  return query<RecentScan>(sql`
    SELECT s.id, src.name AS "sourceName", src.type::text AS "sourceType", s.state::text AS state,
      s."newCount", s."updatedCount", s."missingCount", s."leakCount", s."warningCount",
      s."createdAt", s."finishedAt"
    FROM "Scan" AS s
    JOIN "Source" AS src ON src."realmId" = s."realmId" AND src.id = s."sourceId"
    WHERE s."realmId" = ${realmId}
      AND (${environments}::"NhiEnvironment"[] IS NULL OR src.environment = ANY(${environments}::"NhiEnvironment"[]))
      AND (${sources}::text[] IS NULL OR s."sourceId" = ANY(${sources}::text[]))
    ORDER BY s."createdAt" DESC, s.id
    LIMIT ${recentSize}`);
}

/**
 * The last state changes of alerts, newest first; only of alerts about an identity `coverage`
 * reaches (the joined identity row).
 */
export async function recentAlertActivity(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  coverage: Coverage,
): Promise<AlertActivity[]> {
  const { filtered } = filterParams(filter);
  return query<AlertActivity>(sql`
    SELECT a.id AS "alertId", a."ruleId", a."owaspId", a.severity::text AS severity,
      e."fromState"::text AS "fromState", e."toState"::text AS "toState", e."actorType"::text AS "actorType",
      n.name AS "nhiName", e."createdAt" AS at
    FROM "AlertEvent" AS e
    JOIN "Alert" AS a ON a."realmId" = e."realmId" AND a.id = e."alertId"
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    WHERE e."realmId" = ${realmId} AND e.kind = 'state'
      AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND ${liveIdentityMatching(filter)}))
      AND ${ownerCovered(coverage, 'n')}
    ORDER BY e."createdAt" DESC, e.id
    LIMIT ${recentSize}`);
}

/** The realm's scanner sources by name: what the page's source filter offers. */
export async function scannerSources(query: RealmQuery, realmId: string): Promise<ScannerSource[]> {
  return query<ScannerSource>(sql`
    SELECT id, name, type::text AS type FROM "Source" WHERE "realmId" = ${realmId} ORDER BY name, id`);
}

/** The catalogue rules the realm turned off (rules without a setting are on). */
export async function disabledRules(query: RealmQuery, realmId: string): Promise<string[]> {
  const rows = await query<{ ruleId: string }>(sql`
    SELECT "ruleId" FROM "AlertRuleSetting"
    WHERE "realmId" = ${realmId} AND NOT enabled
    ORDER BY "ruleId"`);
  return rows.map((row) => row.ruleId);
}
