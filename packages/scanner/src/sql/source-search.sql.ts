import { type RealmQuery, sql } from '@nhi/platform';

/** A discovery source a quick search found. */
export interface SourceSearchHit {
  id: string;
  name: string;
  type: string;
  environment: string;
}

/** LIKE treats % and _ as wildcards and \ as their escape: searched text matches only itself. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/** Sources of the realm whose name contains `text`, names starting with it first (a realm has a few dozen). */
export async function sourceSearchHits(
  query: RealmQuery,
  realmId: string,
  text: string,
  limit: number,
): Promise<SourceSearchHit[]> {
  const escaped = escapeLike(text);
  return query<SourceSearchHit>(sql`
    SELECT id, name, type::text AS type, environment::text AS environment
    FROM "Source"
    WHERE "realmId" = ${realmId} AND name ILIKE ${`%${escaped}%`}
    ORDER BY (name ILIKE ${`${escaped}%`}) DESC, name, id
    LIMIT ${limit}`);
}
