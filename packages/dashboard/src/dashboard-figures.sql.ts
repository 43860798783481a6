import { nhiEnvironments, nhiKinds, nhiProviders } from '@nhi/nhi/vocabulary';
import { joinSql, type RealmQuery, type Sql, sql } from '@nhi/platform';
import {
  type AgeBucket,
  ageBuckets,
  type DashboardFilter,
  type OwnerAlerts,
  type RiskLevel,
  riskLevels,
  type Severity,
} from './dashboard-view.ts';

/** How many owners the dashboard lists under "owners with most open alerts". */
export const topOwnersSize = 5;

const dayMs = 86_400_000;

/**
 * The page filter as SQL parameters: null matches everything. The queries compare the enum columns
 * with enum arrays (not text or JSON), so the planner estimates a filter from the column statistics;
 * a cast column has none, and the guessed 0.5% chose nested loops over 40k rows.
 */
export function filterParams(filter: DashboardFilter) {
  return {
    environments: filter.environment?.length ? filter.environment : null,
    providers: filter.provider?.length ? filter.provider : null,
    sources: filter.source?.length ? filter.source : null,
    filtered: Boolean(filter.environment?.length || filter.provider?.length || filter.source?.length),
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

/** One figure of the identity pass: where it goes and the condition it counts (active: among active identities). */
interface Counted {
  put: (figures: IdentityFigures, count: number) => void;
  sum: Sql;
}

const active = sql`n.status = 'active'`;

/**
 * Every figure the identity pass counts, each an aggregate over the same rows: one per known value
 * of each vocabulary, age band and risk level, so the pass neither sorts nor hashes groups.
 */
function countedFigures(now: Date): Counted[] {
  const at = (days: number) => sql`${new Date(now.getTime() + days * dayMs).toISOString()}::timestamp`;
  const count = (where: Sql) => sql`count(*) FILTER (WHERE ${where})`;
  const oldest = sql`n."oldestActiveCredentialAt"`;
  const bands: Record<AgeBucket, Sql> = {
    '0-30': sql`${oldest} >= ${at(-30)}`,
    '30-90': sql`${oldest} < ${at(-30)} AND ${oldest} >= ${at(-90)}`,
    '90-180': sql`${oldest} < ${at(-90)} AND ${oldest} >= ${at(-180)}`,
    '180-365': sql`${oldest} < ${at(-180)} AND ${oldest} >= ${at(-365)}`,
    '>365': sql`${oldest} < ${at(-365)}`,
  };
  const headline = (key: keyof IdentityFigures['headline'], sum: Sql): Counted => ({
    put: (figures, n) => {
      figures.headline[key] = n;
    },
    sum,
  });
  const into =
    (pick: (figures: IdentityFigures) => Record<string, number>, key: string) =>
    (figures: IdentityFigures, n: number) => {
      pick(figures)[key] = n;
    };
  return [
    headline('total', sql`count(*)`),
    headline('active', count(active)),
    headline('unowned', count(sql`${active} AND n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL`)),
    headline('olderThan90', count(sql`${active} AND ${oldest} < ${at(-90)}`)),
    headline('expiringWithin30', count(sql`${active} AND n."nextCredentialExpiresAt" <= ${at(30)}`)),
    headline('riskSum', sql`coalesce(sum(r.score) FILTER (WHERE ${active}), 0)`),
    ...nhiKinds.map((kind) => ({
      put: into((f) => f.byKind, kind),
      sum: count(sql`n.kind = ${kind}::"NhiKind"`),
    })),
    ...nhiProviders.map((provider) => ({
      put: into((f) => f.byProvider, provider),
      sum: count(sql`n.provider = ${provider}::"NhiProvider"`),
    })),
    ...nhiEnvironments.map((environment) => ({
      put: into((f) => f.byEnvironment, environment),
      sum: count(sql`n.environment = ${environment}::"NhiEnvironment"`),
    })),
    ...ageBuckets.map((bucket) => ({
      put: into((f) => f.credentialAge, bucket),
      sum: count(sql`${active} AND ${bands[bucket]}`),
    })),
    ...riskLevels.map((level) => ({
      put: into((f) => f.riskLevels, level),
      sum: count(
        level === 'none'
          ? sql`${active} AND r.level IS NULL`
          : sql`${active} AND r.level = ${level}::"AlertSeverity"`,
      ),
    })),
  ];
}

/**
 * Every figure about identities in one pass over the realm's NHIs (joined with their risk scores),
 * with the same conditions as the inventory's filters: deleted identities never count, ages and
 * expiry come from the per-identity credential summary the inventory filters on.
 */
export async function identityFigures(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  now: Date,
): Promise<IdentityFigures> {
  const { environments, providers, sources } = filterParams(filter);
  const counted = countedFigures(now);
  const rows = await query<{ counts: number[] }>(sql`
    SELECT ARRAY[${joinSql(counted.map(({ sum }) => sum))}]::int[] AS counts
    FROM "Nhi" AS n
    -- The realm as a value, not a join key: the join hashes the identity id alone.
    LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = ${realmId} AND r."nhiId" = n.id
    WHERE n."realmId" = ${realmId} AND n."deletedAt" IS NULL
      AND (${environments}::"NhiEnvironment"[] IS NULL OR n.environment = ANY(${environments}::"NhiEnvironment"[]))
      AND (${sources}::text[] IS NULL OR EXISTS (SELECT 1 FROM "SourceItem" AS si
        WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" = ANY(${sources}::text[])))
      AND (${providers}::"NhiProvider"[] IS NULL OR n.provider = ANY(${providers}::"NhiProvider"[]))`);
  const counts = rows[0]?.counts ?? [];
  const figures: IdentityFigures = {
    headline: { total: 0, active: 0, unowned: 0, olderThan90: 0, expiringWithin30: 0, riskSum: 0 },
    byKind: {},
    byProvider: {},
    byEnvironment: {},
    credentialAge: {},
    riskLevels: {},
  };
  counted.forEach(({ put }, index) => {
    put(figures, Number(counts[index] ?? 0));
  });
  return figures;
}

export interface AlertFigures {
  bySeverity: Partial<Record<Severity, number>>;
  byOwasp: Record<string, number>;
  /** The owners whose identities have the most open alerts, most first. */
  topOwners: OwnerAlerts[];
}

/**
 * Open alerts by severity and OWASP id, and the owners with the most of them, from one pass over
 * the open alerts. Without a page filter every open alert counts (as the alert list shows them, its
 * owner filter included, deleted identities too); with one, only those about a live identity the
 * filter matches.
 */
export async function alertFigures(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
): Promise<AlertFigures> {
  const { environments, providers, sources, filtered } = filterParams(filter);
  const rows = await query<AlertFigures>(sql`
    WITH a AS MATERIALIZED (
      SELECT a.severity::text AS severity, a."owaspId" AS owasp, n."ownerUserId" AS owner
      FROM "Alert" AS a
      LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
      WHERE a."realmId" = ${realmId} AND a.state = 'open'
        AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND n."deletedAt" IS NULL
          AND (${environments}::"NhiEnvironment"[] IS NULL OR n.environment = ANY(${environments}::"NhiEnvironment"[]))
          AND (${sources}::text[] IS NULL OR EXISTS (SELECT 1 FROM "SourceItem" AS si
            WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" = ANY(${sources}::text[])))
          AND (${providers}::"NhiProvider"[] IS NULL OR n.provider = ANY(${providers}::"NhiProvider"[]))))
    )
    SELECT
      (SELECT coalesce(jsonb_object_agg(severity, c), '{}'::jsonb)
        FROM (SELECT severity, count(*) AS c FROM a GROUP BY severity) AS x) AS "bySeverity",
      (SELECT coalesce(jsonb_object_agg(owasp, c), '{}'::jsonb)
        FROM (SELECT owasp, count(*) AS c FROM a GROUP BY owasp) AS x) AS "byOwasp",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('owner', jsonb_build_object('id', t.id, 'email', t.email),
          'openAlerts', t.c) ORDER BY t.c DESC, t.email), '[]'::jsonb)
        FROM (SELECT u.id, u.email, o.c
          FROM (SELECT owner, count(*)::int AS c FROM a WHERE owner IS NOT NULL GROUP BY owner) AS o
          JOIN "User" AS u ON u.id = o.owner
          ORDER BY o.c DESC, u.email LIMIT ${topOwnersSize}) AS t) AS "topOwners"`);
  const row = rows[0];
  if (!row) throw new Error('The alert figures query returned no row');
  return row;
}

/** Leaks found by scans; with a page filter, those linked to a live identity the filter matches. */
export async function leakCount(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
): Promise<number> {
  const { environments, providers, sources, filtered } = filterParams(filter);
  const rows = await query<{ count: number }>(sql`
    SELECT count(*)::int AS count
    FROM "Leak" AS l
    LEFT JOIN "Nhi" AS n ON ${filtered}::boolean AND n."realmId" = l."realmId" AND n.id = l."nhiId"
    WHERE l."realmId" = ${realmId}
      AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND n."deletedAt" IS NULL
        AND (${environments}::"NhiEnvironment"[] IS NULL OR n.environment = ANY(${environments}::"NhiEnvironment"[]))
        AND (${sources}::text[] IS NULL OR EXISTS (SELECT 1 FROM "SourceItem" AS si
          WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" = ANY(${sources}::text[])))
        AND (${providers}::"NhiProvider"[] IS NULL OR n.provider = ANY(${providers}::"NhiProvider"[]))))`);
  return rows[0]?.count ?? 0;
}
