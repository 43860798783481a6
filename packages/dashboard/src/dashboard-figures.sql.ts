import type { RealmTx } from '@nhi/platform';
import type { AgeBucket, DashboardFilter, RiskLevel, Severity } from './dashboard-view.ts';

const dayMs = 86_400_000;

/** The page filter as SQL parameters: an empty list matches everything. */
export function filterParams(filter: DashboardFilter) {
  return {
    environments: JSON.stringify(filter.environment ?? []),
    providers: JSON.stringify(filter.provider ?? []),
    filtered: Boolean(filter.environment?.length || filter.provider?.length),
  };
}

export interface IdentityFigures {
  headline: {
    total: number;
    active: number;
    unowned: number;
    olderThan90: number;
    expiringWithin30: number;
    riskSum: number;
  };
  byKind: Record<string, number>;
  byProvider: Record<string, number>;
  byEnvironment: Record<string, number>;
  credentialAge: Partial<Record<AgeBucket, number>>;
  riskLevels: Partial<Record<RiskLevel, number>>;
}

interface GroupRow {
  dimension: 'all' | 'kind' | 'provider' | 'environment' | 'age' | 'level';
  key: string | null;
  total: number;
  active: number;
  unowned: number;
  olderThan90: number;
  expiringWithin30: number;
  riskSum: number;
}

/**
 * Every figure about identities in one pass over the realm's NHIs (joined with their risk scores),
 * grouped by each dimension at once, with the same conditions as the inventory's filters: deleted
 * identities never count, ages and expiry come from the per-identity credential summary the
 * inventory filters on.
 */
export async function identityFigures(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
  now: Date,
): Promise<IdentityFigures> {
  const { environments, providers } = filterParams(filter);
  const at = (days: number) => new Date(now.getTime() + days * dayMs).toISOString();
  const rows = await tx.$queryRaw<GroupRow[]>`
    SELECT
      CASE WHEN GROUPING(f.kind) = 0 THEN 'kind' WHEN GROUPING(f.provider) = 0 THEN 'provider'
        WHEN GROUPING(f.environment) = 0 THEN 'environment' WHEN GROUPING(f.age) = 0 THEN 'age'
        WHEN GROUPING(f.level) = 0 THEN 'level' ELSE 'all' END AS dimension,
      coalesce(f.kind, f.provider, f.environment, f.age, f.level) AS key,
      count(*)::int AS total,
      count(*) FILTER (WHERE f.active)::int AS active,
      count(*) FILTER (WHERE f.active AND f.unowned)::int AS unowned,
      count(*) FILTER (WHERE f.active AND f.oldest < ${at(-90)}::timestamp)::int AS "olderThan90",
      count(*) FILTER (WHERE f.active AND f.expires <= ${at(30)}::timestamp)::int AS "expiringWithin30",
      coalesce(sum(f.score) FILTER (WHERE f.active), 0)::int AS "riskSum"
    FROM (
      SELECT n.kind::text AS kind, n.provider::text AS provider, n.environment::text AS environment,
        n.status = 'active' AS active, n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL AS unowned,
        n."oldestActiveCredentialAt" AS oldest, n."nextCredentialExpiresAt" AS expires,
        coalesce(r.score, 0) AS score,
        CASE WHEN n.status = 'active' THEN coalesce(r.level::text, 'none') END AS level,
        CASE WHEN n.status <> 'active' OR n."oldestActiveCredentialAt" IS NULL THEN NULL
          WHEN n."oldestActiveCredentialAt" >= ${at(-30)}::timestamp THEN '0-30'
          WHEN n."oldestActiveCredentialAt" >= ${at(-90)}::timestamp THEN '30-90'
          WHEN n."oldestActiveCredentialAt" >= ${at(-180)}::timestamp THEN '90-180'
          WHEN n."oldestActiveCredentialAt" >= ${at(-365)}::timestamp THEN '180-365'
          ELSE '>365' END AS age
      FROM "Nhi" AS n
      LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = n."realmId" AND r."nhiId" = n.id
      WHERE n."realmId" = ${realmId} AND n."deletedAt" IS NULL
        AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
        AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)
    ) AS f
    GROUP BY GROUPING SETS ((), (f.kind), (f.provider), (f.environment), (f.age), (f.level))`;
  const figures: IdentityFigures = {
    headline: { total: 0, active: 0, unowned: 0, olderThan90: 0, expiringWithin30: 0, riskSum: 0 },
    byKind: {},
    byProvider: {},
    byEnvironment: {},
    credentialAge: {},
    riskLevels: {},
  };
  for (const row of rows) {
    if (row.dimension === 'all') {
      const { total, active, unowned, olderThan90, expiringWithin30, riskSum } = row;
      figures.headline = { total, active, unowned, olderThan90, expiringWithin30, riskSum };
    } else if (row.key !== null) {
      // The age and level groups of inactive identities (key null) count nowhere.
      const target = {
        kind: figures.byKind,
        provider: figures.byProvider,
        environment: figures.byEnvironment,
        age: figures.credentialAge,
        level: figures.riskLevels,
      }[row.dimension] as Record<string, number>;
      target[row.key] = row.total;
    }
  }
  return figures;
}

export interface AlertFigures {
  bySeverity: Partial<Record<Severity, number>>;
  byOwasp: Record<string, number>;
}

/**
 * Open alerts by severity and OWASP id. Without a page filter every open alert counts (as the
 * alert list shows them); with one, only those about a live identity the filter matches.
 */
export async function alertFigures(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
): Promise<AlertFigures> {
  const { environments, providers, filtered } = filterParams(filter);
  const rows = await tx.$queryRaw<AlertFigures[]>`
    WITH a AS MATERIALIZED (
      SELECT a.severity::text AS severity, a."owaspId" AS owasp
      FROM "Alert" AS a
      LEFT JOIN "Nhi" AS n ON ${filtered}::boolean AND n."realmId" = a."realmId" AND n.id = a."nhiId"
      WHERE a."realmId" = ${realmId} AND a.state = 'open'
        AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND n."deletedAt" IS NULL
          AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
          AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)))
    )
    SELECT
      (SELECT coalesce(jsonb_object_agg(severity, c), '{}'::jsonb)
        FROM (SELECT severity, count(*) AS c FROM a GROUP BY severity) AS x) AS "bySeverity",
      (SELECT coalesce(jsonb_object_agg(owasp, c), '{}'::jsonb)
        FROM (SELECT owasp, count(*) AS c FROM a GROUP BY owasp) AS x) AS "byOwasp"`;
  const row = rows[0];
  if (!row) throw new Error('The alert figures query returned no row');
  return row;
}

/** Leaks found by scans; with a page filter, those linked to a live identity the filter matches. */
export async function leakCount(tx: RealmTx, realmId: string, filter: DashboardFilter): Promise<number> {
  const { environments, providers, filtered } = filterParams(filter);
  const rows = await tx.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count
    FROM "Leak" AS l
    LEFT JOIN "Nhi" AS n ON ${filtered}::boolean AND n."realmId" = l."realmId" AND n.id = l."nhiId"
    WHERE l."realmId" = ${realmId}
      AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND n."deletedAt" IS NULL
        AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
        AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)))`;
  return rows[0]?.count ?? 0;
}
