import { liveIdentityMatching } from '@nhi/nhi';
import {
  type Coverage,
  identityCovered,
  joinSql,
  ownerCovered,
  type RealmQuery,
  type Sql,
  sql,
} from '@nhi/platform';
import {
  type AgeBucket,
  ageBuckets,
  type DashboardFilter,
  type OwnerAlerts,
  type RiskLevel,
  type Severity,
} from '../api/dashboard-view.ts';

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

/** One group of the identity pass: identities alike in every dimension a figure splits on. */
export interface IdentityGroup {
  kind: string;
  provider: string;
  environment: string;
  status: string;
  level: RiskLevel | null;
  count: number;
  riskSum: number;
  unowned: number;
  expiringWithin30: number;
  /** Counts per credential-age band, in the order of `ageBuckets`. */
  bands: number[];
}

/**
 * A share of the realm's identities by id, for a pass split over connections: random UUIDs fall
 * on either side of '8' alike, and the two conditions together take every id exactly once.
 */
export type IdentityPart = Sql;
export const wholeRealm: IdentityPart = sql`TRUE`;
export const identityHalves: readonly IdentityPart[] = [sql`n.id < '8'`, sql`n.id >= '8'`];

/** Every figure about identities, in one pass. */
export async function identityFigures(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  now: Date,
  coverage: Coverage,
): Promise<IdentityFigures> {
  return identityFiguresOf(await identityGroups(query, realmId, filter, now, coverage));
}

const add = (counts: Record<string, number>, key: string, n: number) => {
  counts[key] = (counts[key] ?? 0) + n;
};

/**
 * The groups behind every figure about identities, in one pass over the realm's NHIs (or over the
 * `part` of them, see IdentityPart) (joined with their risk scores),
 * with the same conditions as the inventory's filters: deleted identities never count, ages and
 * expiry come from the per-identity credential summary the inventory filters on. The pass groups
 * by the enum columns the figures split on (a few hundred groups at most) and counts the
 * time-dependent conditions within each group; the figures are sums over groups. Per-value
 * `FILTER` aggregates for every figure evaluated some fifty conditions per identity and took about
 * a fifth longer. Only the identities `coverage` reaches count (the (realm, owner team) index
 * finds a team's share).
 */
export async function identityGroups(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  now: Date,
  coverage: Coverage,
  part: IdentityPart = wholeRealm,
): Promise<IdentityGroup[]> {
  const at = (days: number) => new Date(now.getTime() + days * dayMs).toISOString();
  const oldest = sql`n."oldestActiveCredentialAt"`;
  const bandLimits = [-30, -90, -180, -365].map(at);
  const bands: Record<AgeBucket, Sql> = {
    '0-30': sql`${oldest} >= ${bandLimits[0]}::timestamp`,
    '30-90': sql`${oldest} < ${bandLimits[0]}::timestamp AND ${oldest} >= ${bandLimits[1]}::timestamp`,
    '90-180': sql`${oldest} < ${bandLimits[1]}::timestamp AND ${oldest} >= ${bandLimits[2]}::timestamp`,
    '180-365': sql`${oldest} < ${bandLimits[2]}::timestamp AND ${oldest} >= ${bandLimits[3]}::timestamp`,
    '>365': sql`${oldest} < ${bandLimits[3]}::timestamp`,
  };
  return query<IdentityGroup>(sql`
    SELECT n.kind::text AS kind, n.provider::text AS provider, n.environment::text AS environment,
      n.status::text AS status, r.level::text AS level,
      count(*)::int AS count, coalesce(sum(r.score), 0)::int AS "riskSum",
      count(*) FILTER (WHERE n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL)::int AS unowned,
      count(*) FILTER (WHERE n."nextCredentialExpiresAt" <= ${at(30)}::timestamp)::int AS "expiringWithin30",
      ARRAY[${joinSql(ageBuckets.map((bucket) => sql`count(*) FILTER (WHERE ${bands[bucket]})`))}]::int[] AS bands
    FROM "Nhi" AS n
    -- The realm as a value, not a join key: the join hashes the identity id alone.
    LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = ${realmId} AND r."nhiId" = n.id
    WHERE n."realmId" = ${realmId} AND ${liveIdentityMatching(filter)}
      AND ${ownerCovered(coverage, 'n')} AND ${part}
    GROUP BY n.kind, n.provider, n.environment, n.status, r.level`);
}

/** The figures of the identity pass's groups (of one pass, or of its parts together). */
export function identityFiguresOf(groups: readonly IdentityGroup[]): IdentityFigures {
  const figures: IdentityFigures = {
    headline: { total: 0, active: 0, unowned: 0, olderThan90: 0, expiringWithin30: 0, riskSum: 0 },
    byKind: {},
    byProvider: {},
    byEnvironment: {},
    credentialAge: {},
    riskLevels: {},
  };
  const { headline } = figures;
  for (const group of groups) {
    const count = Number(group.count);
    headline.total += count;
    add(figures.byKind, group.kind, count);
    add(figures.byProvider, group.provider, count);
    add(figures.byEnvironment, group.environment, count);
    // The other figures are about active identities only.
    if (group.status !== 'active') continue;
    headline.active += count;
    headline.unowned += Number(group.unowned);
    headline.expiringWithin30 += Number(group.expiringWithin30);
    headline.riskSum += Number(group.riskSum);
    add(figures.riskLevels, group.level ?? 'none', count);
    ageBuckets.forEach((bucket, index) => {
      const inBand = Number(group.bands[index] ?? 0);
      add(figures.credentialAge, bucket, inBand);
      // Older than 90 days: exactly the three oldest bands.
      if (index >= 2) headline.olderThan90 += inBand;
    });
  }
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
 * filter matches. The owners' counts join the alerts to the narrow (realm, owner, id) index of
 * identities: joining every alert to the wide identity rows cost more than the other figures
 * together. Only alerts about an identity `coverage` reaches count (for a scoped caller, never an
 * alert about no identity).
 */
export async function alertFigures(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  coverage: Coverage,
): Promise<AlertFigures> {
  const { filtered } = filterParams(filter);
  const alertCovered = identityCovered(coverage, 'a');
  // Under a page filter the identity rows are read anyway (for the filter), so the owner comes
  // with them; for the whole realm the owners' counts read the narrow index instead.
  const [alertsSql, ownersSql] = filtered
    ? [
        sql`SELECT a.severity::text AS severity, a."owaspId" AS owasp, n."ownerUserId" AS owner
          FROM "Alert" AS a
          JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
          WHERE a."realmId" = ${realmId} AND a.state = 'open' AND ${liveIdentityMatching(filter)}
            AND ${ownerCovered(coverage, 'n')}`,
        sql`SELECT owner, count(*)::int AS c FROM a WHERE owner IS NOT NULL GROUP BY owner`,
      ]
    : [
        sql`SELECT a.severity::text AS severity, a."owaspId" AS owasp
          FROM "Alert" AS a WHERE a."realmId" = ${realmId} AND a.state = 'open' AND ${alertCovered}`,
        sql`SELECT n."ownerUserId" AS owner, count(*)::int AS c
          FROM "Alert" AS a
          JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
          WHERE a."realmId" = ${realmId} AND a.state = 'open' AND n."ownerUserId" IS NOT NULL
            AND ${ownerCovered(coverage, 'n')}
          GROUP BY n."ownerUserId"`,
      ];
  const rows = await query<AlertFigures>(sql`
    WITH a AS MATERIALIZED (${alertsSql}),
    owners AS (${ownersSql})
    SELECT
      (SELECT coalesce(jsonb_object_agg(severity, c), '{}'::jsonb)
        FROM (SELECT severity, count(*) AS c FROM a GROUP BY severity) AS x) AS "bySeverity",
      (SELECT coalesce(jsonb_object_agg(owasp, c), '{}'::jsonb)
        FROM (SELECT owasp, count(*) AS c FROM a GROUP BY owasp) AS x) AS "byOwasp",
      (SELECT coalesce(jsonb_agg(jsonb_build_object('owner', jsonb_build_object('id', t.id, 'email', t.email),
          'openAlerts', t.c) ORDER BY t.c DESC, t.email), '[]'::jsonb)
        FROM (SELECT u.id, u.email, o.c
          FROM owners AS o
          JOIN "User" AS u ON u.id = o.owner
          ORDER BY o.c DESC, u.email LIMIT ${topOwnersSize}) AS t) AS "topOwners"`);
  const row = rows[0];
  if (!row) throw new Error('The alert figures query returned no row');
  return row;
}

/**
 * Leaks found by scans; with a page filter, those linked to a live identity the filter matches;
 * only those about an identity `coverage` reaches.
 */
export async function leakCount(
  query: RealmQuery,
  realmId: string,
  filter: DashboardFilter,
  coverage: Coverage,
): Promise<number> {
  const { filtered } = filterParams(filter);
  const rows = await query<{ count: number }>(sql`
    SELECT count(*)::int AS count
    FROM "Leak" AS l
    LEFT JOIN "Nhi" AS n ON ${filtered}::boolean AND n."realmId" = l."realmId" AND n.id = l."nhiId"
    WHERE l."realmId" = ${realmId}
      AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND ${liveIdentityMatching(filter)}))
      AND ${identityCovered(coverage, 'l')}`);
  return rows[0]?.count ?? 0;
}
