import type { RealmQuery } from '../database/realm-db.ts';
import { sql } from '../database/sql-fragments.ts';

/** A policy group by name: what a page header calls a scoped caller's team. */
export interface NamedGroup {
  id: string;
  name: string;
}

/**
 * The names of the realm's groups among `groupIds`, by name. Read here rather than through the
 * policy domain, which builds on the platform: only the names, for the header.
 */
export async function groupNamesOf(
  query: RealmQuery,
  realmId: string,
  groupIds: readonly string[],
): Promise<NamedGroup[]> {
  if (groupIds.length === 0) return [];
  return query<NamedGroup>(sql`
    SELECT g.id, g.name FROM "PolicyGroup" AS g
    WHERE g."realmId" = ${realmId} AND g.id = ANY(${[...groupIds]}::text[])
    ORDER BY g.name, g.id`);
}
