import { type RealmQuery, sql } from '@nhi/platform';
import { escapeLike } from './nhi-list.sql.ts';

/**
 * Most identities a search narrows a list to by id. A broader search (a few letters common to
 * most names) filters row by row instead, which costs a scan either way.
 */
export const searchMatchLimit = 5000;

/**
 * The ids of the identities whose name, externalId or description contains `q`, through the
 * search index (see the nhi_search migration); undefined when there is no search or it matches
 * more than `limit` identities.
 */
export async function findSearchMatches(
  query: RealmQuery,
  q: string | undefined,
  limit = searchMatchLimit,
): Promise<string[] | undefined> {
  const text = q?.trim();
  if (!text) return undefined;
  const pattern = `%${escapeLike(text)}%`;
  const rows = await query<{ id: string }>(
    sql`SELECT id FROM nhi_search(${pattern}) AS id LIMIT ${limit + 1}`,
  );
  return rows.length > limit ? undefined : rows.map((row) => row.id);
}
