import type { RealmTx } from '@nhi/platform';
import { filterParams } from './dashboard-figures.sql.ts';
import type {
  AlertActivity,
  DashboardFilter,
  FixFirstItem,
  OwnerAlerts,
  RecentScan,
} from './dashboard-view.ts';

export const fixFirstSize = 10;
export const topOwnersSize = 5;
export const recentSize = 8;

interface FixFirstRow extends Omit<FixFirstItem, 'owner'> {
  ownerId: string | null;
  ownerEmail: string | null;
}

/** The live identities with the highest risk scores; ties by id (the score index serves the order). */
export async function fixFirst(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
): Promise<FixFirstItem[]> {
  const { environments, providers } = filterParams(filter);
  const rows = await tx.$queryRaw<FixFirstRow[]>`
    SELECT n.id AS "nhiId", n.name, n.kind::text AS kind, n.provider::text AS provider,
      n.environment::text AS environment, r.score, r.level::text AS level,
      u.id AS "ownerId", u.email AS "ownerEmail",
      CASE WHEN jsonb_array_length(r.factors) > 0 THEN jsonb_build_object(
        'ruleId', r.factors -> 0 ->> 'ruleId', 'owaspId', r.factors -> 0 ->> 'owaspId',
        'severity', r.factors -> 0 ->> 'severity') END AS "mainFactor"
    FROM "NhiRiskScore" AS r
    JOIN "Nhi" AS n ON n."realmId" = r."realmId" AND n.id = r."nhiId"
    LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
    WHERE r."realmId" = ${realmId} AND n."deletedAt" IS NULL
      AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
      AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)
    ORDER BY r.score DESC, r."nhiId"
    LIMIT ${fixFirstSize}`;
  return rows.map(({ ownerId, ownerEmail, ...item }) => ({
    ...item,
    owner: ownerId && ownerEmail ? { id: ownerId, email: ownerEmail } : null,
  }));
}

/**
 * The owners whose identities have the most open alerts. Without a page filter deleted identities
 * count too, as the alert list's owner filter counts them.
 */
export async function topOwners(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
): Promise<OwnerAlerts[]> {
  const { environments, providers, filtered } = filterParams(filter);
  const rows = await tx.$queryRaw<{ id: string; email: string; count: number }[]>`
    SELECT u.id, u.email, count(*)::int AS count
    FROM "Alert" AS a
    JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    JOIN "User" AS u ON u.id = n."ownerUserId"
    WHERE a."realmId" = ${realmId} AND a.state = 'open'
      AND (NOT ${filtered}::boolean OR (n."deletedAt" IS NULL
        AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
        AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)))
    GROUP BY u.id, u.email
    ORDER BY count DESC, u.email
    LIMIT ${topOwnersSize}`;
  return rows.map((row) => ({ owner: { id: row.id, email: row.email }, openAlerts: row.count }));
}

/** The last scans; the environment filter applies through the scanned source's environment. */
export async function recentScans(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
): Promise<RecentScan[]> {
  const { environments } = filterParams(filter);
  return tx.$queryRaw<RecentScan[]>`
    SELECT s.id, src.name AS "sourceName", src.type::text AS "sourceType", s.state::text AS state,
      s."newCount", s."updatedCount", s."missingCount", s."leakCount", s."warningCount",
      s."createdAt", s."finishedAt"
    FROM "Scan" AS s
    JOIN "Source" AS src ON src."realmId" = s."realmId" AND src.id = s."sourceId"
    WHERE s."realmId" = ${realmId}
      AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(src.environment::text) <@ ${environments}::jsonb)
    ORDER BY s."createdAt" DESC, s.id
    LIMIT ${recentSize}`;
}

/** The last state changes of alerts, newest first. */
export async function recentAlertActivity(
  tx: RealmTx,
  realmId: string,
  filter: DashboardFilter,
): Promise<AlertActivity[]> {
  const { environments, providers, filtered } = filterParams(filter);
  return tx.$queryRaw<AlertActivity[]>`
    SELECT a.id AS "alertId", a."ruleId", a."owaspId", a.severity::text AS severity,
      e."fromState"::text AS "fromState", e."toState"::text AS "toState", e."actorType"::text AS "actorType",
      n.name AS "nhiName", e."createdAt" AS at
    FROM "AlertEvent" AS e
    JOIN "Alert" AS a ON a."realmId" = e."realmId" AND a.id = e."alertId"
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    WHERE e."realmId" = ${realmId}
      AND (NOT ${filtered}::boolean OR (n.id IS NOT NULL AND n."deletedAt" IS NULL
        AND (${environments}::jsonb = '[]'::jsonb OR to_jsonb(n.environment::text) <@ ${environments}::jsonb)
        AND (${providers}::jsonb = '[]'::jsonb OR to_jsonb(n.provider::text) <@ ${providers}::jsonb)))
    ORDER BY e."createdAt" DESC, e.id
    LIMIT ${recentSize}`;
}
