import type { RealmTx } from '@nhi/platform';

/** The filters of the alert list that narrow it by identity (parsed: lists absent when not asked). */
export interface IdentityFilter {
  states?: readonly string[];
  ownerUserId?: string;
  environments?: readonly string[];
  providers?: readonly string[];
  sources?: readonly string[];
}

/**
 * The identities, among those the owner / environment / provider / scanner source filters match, that have alerts in
 * the asked states: as many as the alerts at most, whatever the size of the inventory. With an
 * environment or source filter, deleted identities drop out (the dashboard counts live ones).
 */
export async function identitiesWithAlerts(
  tx: RealmTx,
  realmId: string,
  filter: IdentityFilter,
): Promise<string[]> {
  const byIdentity = Boolean(
    filter.environments?.length || filter.providers?.length || filter.sources?.length,
  );
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT n.id
    FROM "Alert" AS a JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    WHERE a."realmId" = ${realmId}
      AND (${filter.states ?? null}::text[] IS NULL OR a.state::text = ANY(${filter.states ?? null}::text[]))
      AND (${filter.ownerUserId ?? null}::text IS NULL OR n."ownerUserId" = ${filter.ownerUserId ?? null})
      AND (NOT ${byIdentity} OR n."deletedAt" IS NULL)
      AND (${filter.environments ?? null}::text[] IS NULL
        OR n.environment::text = ANY(${filter.environments ?? null}::text[]))
      AND (${filter.providers ?? null}::text[] IS NULL
        OR n.provider::text = ANY(${filter.providers ?? null}::text[]))
      AND (${filter.sources ?? null}::text[] IS NULL OR EXISTS (
        SELECT 1 FROM "SourceItem" AS si
        WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" = ANY(${filter.sources ?? null}::text[])))`;
  return rows.map((row) => row.id);
}
