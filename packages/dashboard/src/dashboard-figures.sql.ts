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

/**
 * Every figure about identities in one pass over the realm's NHIs (joined with their risk scores),
 * with the same conditions as the inventory's filters: deleted identities never count, ages and
 * expiry come from the per-identity credential summary the inventory filters on.
 */
export async function identityFigures(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
  now: Date,
): Promise<IdentityFigures> {
  const { environments, providers } = filterParams(filter);
  const at = (days: number) => new Date(now.getTime() + days * dayMs).toISOString();
  const rows = await tx.$queryRaw<IdentityFigures[]>`
    WITH f AS MATERIALIZED (
      SELECT n.kind::text AS kind, n.provider::text AS provider, n.environment::text AS environment,
        n.status = 'active' AS active, n."ownerUserId" IS NULL AS unowned,
        n."oldestActiveCredentialAt" AS oldest, n."nextCredentialExpiresAt" AS expires,
        coalesce(r.score, 0) AS score, r.level::text AS level
      FROM "Nhi" AS n
      LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = n."realmId" AND r."nhiId" = n.id
      WHERE n."realmId" = ${realmId} AND n."deletedAt" IS NULL
        AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
        AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)
    )
    SELECT
      (SELECT jsonb_build_object(
        'total', count(*),
        'active', count(*) FILTER (WHERE active),
        'unowned', count(*) FILTER (WHERE active AND unowned),
        'olderThan90', count(*) FILTER (WHERE active AND oldest < ${at(-90)}::timestamp),
        'expiringWithin30', count(*) FILTER (WHERE active AND expires <= ${at(30)}::timestamp),
        'riskSum', coalesce(sum(score) FILTER (WHERE active), 0)) FROM f) AS headline,
      (SELECT coalesce(jsonb_object_agg(kind, c), '{}'::jsonb)
        FROM (SELECT kind, count(*) AS c FROM f GROUP BY kind) AS x) AS "byKind",
      (SELECT coalesce(jsonb_object_agg(provider, c), '{}'::jsonb)
        FROM (SELECT provider, count(*) AS c FROM f GROUP BY provider) AS x) AS "byProvider",
      (SELECT coalesce(jsonb_object_agg(environment, c), '{}'::jsonb)
        FROM (SELECT environment, count(*) AS c FROM f GROUP BY environment) AS x) AS "byEnvironment",
      (SELECT coalesce(jsonb_object_agg(bucket, c), '{}'::jsonb) FROM (
        SELECT CASE
            WHEN oldest >= ${at(-30)}::timestamp THEN '0-30'
            WHEN oldest >= ${at(-90)}::timestamp THEN '30-90'
            WHEN oldest >= ${at(-180)}::timestamp THEN '90-180'
            WHEN oldest >= ${at(-365)}::timestamp THEN '180-365'
            ELSE '>365' END AS bucket, count(*) AS c
        FROM f WHERE active AND oldest IS NOT NULL GROUP BY 1) AS x) AS "credentialAge",
      (SELECT coalesce(jsonb_object_agg(coalesce(level, 'none'), c), '{}'::jsonb)
        FROM (SELECT level, count(*) AS c FROM f WHERE active GROUP BY level) AS x) AS "riskLevels"`;
  const row = rows[0];
  if (!row) throw new Error('The identity figures query returned no row');
  return row;
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
