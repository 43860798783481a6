import { type Coverage, emptySql, ownerCovered, type RealmQuery, sql } from '@nhi/platform';
import { escapeLike } from './nhi-list.sql.ts';

/**
 * Most identities a search narrows a list to by id. A broader search (a few letters common to
 * most names) filters row by row instead, which costs a scan either way.
 */
export const searchMatchLimit = 5000;

/** A caller's coverage in a realm: the identities a search may find for them (ADR 0040). */
export interface CoveredRealm {
  realmId: string;
  coverage: Coverage;
}

/**
 * The ids of the identities whose name, externalId or description contains `q`, through the
 * search index (see the nhi_search migration); undefined when there is no search or it matches
 * more than `limit` identities. With `covered` of a scoped caller, only identities of the
 * covered teams count towards the limit: a member of a small team gets the index's answer even
 * when the realm holds thousands of matches, and never an id outside the team.
 */
export async function findSearchMatches(
  query: RealmQuery,
  q: string | undefined,
  limit = searchMatchLimit,
  covered?: CoveredRealm,
): Promise<string[] | undefined> {
  const text = q?.trim();
  if (!text) return undefined;
  const pattern = `%${escapeLike(text)}%`;
  const rows = await query<{ id: string }>(
    covered && covered.coverage.kind !== 'all'
      ? coveredSearch(pattern, covered, limit + 1)
      : sql`SELECT id FROM nhi_search(${pattern}) AS id LIMIT ${limit + 1}`,
  );
  return rows.length > limit ? undefined : rows.map((row) => row.id);
}

/**
 * The index's matches of identities the coverage reaches. Only for a scoped caller: the whole
 * realm needs no look-up of each match, the function already confines itself to the realm.
 */
function coveredSearch(pattern: string, { realmId, coverage }: CoveredRealm, take: number) {
  return sql`SELECT s.id FROM nhi_search(${pattern}) AS s(id)
    JOIN "Nhi" AS n ON n."realmId" = ${realmId} AND n.id = s.id
    WHERE ${ownerCovered(coverage, 'n')}
    LIMIT ${take}`;
}

/** An identity a quick search found: enough to name it and tell it from its namesakes. */
export interface IdentitySearchHit {
  id: string;
  name: string;
  externalId: string;
  kind: string;
  provider: string;
  environment: string;
}

const hitColumns = sql`n.id, n.name, n."externalId", n.kind::text AS kind, n.provider::text AS provider,
  n.environment::text AS environment`;

/** Rows of the name order a quick search reads before it asks the search index instead. */
export const searchWindow = 2000;
/**
 * Rows of the name order a two-character text is looked for in: no trigram narrows it, and a
 * walk of a whole realm of 100k rows costs a few hundred ms (bench:search).
 */
export const shortTextWindow = 20_000;
/** Most matches of the index a quick search sorts itself; a broader text walks the name order. */
const selectiveMatches = 500;

/**
 * The first `limit` live identities in name order whose name or externalId contains the pattern,
 * reading at most `window` rows of the (realm, name) index, or all of them without a window.
 */
function walkByName(
  query: RealmQuery,
  { realmId, coverage }: CoveredRealm,
  contains: string,
  limit: number,
  window?: number,
) {
  const rows = window === undefined ? emptySql : sql`LIMIT ${window}`;
  return query<IdentitySearchHit>(sql`
    SELECT * FROM (
      SELECT ${hitColumns} FROM "Nhi" AS n
      WHERE n."realmId" = ${realmId} AND n."deletedAt" IS NULL
        AND ${ownerCovered(coverage, 'n')}
      ORDER BY n.name, n.id ${rows}
    ) AS n
    WHERE n.name ILIKE ${contains} OR n."externalId" ILIKE ${contains}
    ORDER BY n.name, n.id
    LIMIT ${limit}`);
}

/** Of the identities `ids` names, those matching, names starting with the text first. */
function rankAmong(
  query: RealmQuery,
  { realmId, coverage }: CoveredRealm,
  escaped: string,
  ids: string[],
  limit: number,
) {
  const contains = `%${escaped}%`;
  return query<IdentitySearchHit>(sql`
    SELECT ${hitColumns} FROM "Nhi" AS n
    WHERE n."realmId" = ${realmId} AND n."deletedAt" IS NULL AND n.id = ANY(${ids}::text[])
      AND ${ownerCovered(coverage, 'n')}
      AND (n.name ILIKE ${contains} OR n."externalId" ILIKE ${contains})
    ORDER BY (n.name ILIKE ${`${escaped}%`}) DESC, n.name, n.id
    LIMIT ${limit}`);
}

/**
 * Live identities of the realm whose name or externalId contains `text`, bounded for a realm of
 * 100k (see bench:search). Row-level security keeps ILIKE off every index (ADR 0014), so:
 * - a common text finds its `limit` hits in the first rows of the name order (a window);
 * - a rarer one of three characters or more asks the search index, and ranks what it found
 *   with names starting with the text first;
 * - a rare two-character text, which no trigram narrows, is looked for in the first
 *   `shortTextWindow` identities of the name order only: a third character searches them all.
 * Only identities `coverage` reaches are found (the windows are of those).
 */
export async function identitySearchHits(
  query: RealmQuery,
  realmId: string,
  text: string,
  limit: number,
  coverage: Coverage,
): Promise<IdentitySearchHit[]> {
  const covered: CoveredRealm = { realmId, coverage };
  const escaped = escapeLike(text);
  const contains = `%${escaped}%`;
  const first = await walkByName(query, covered, contains, limit, searchWindow);
  if (first.length === limit) return first;
  if (text.length < 3) return walkByName(query, covered, contains, limit, shortTextWindow);
  const matches = await findSearchMatches(query, text, selectiveMatches, covered);
  if (matches) return matches.length === 0 ? [] : rankAmong(query, covered, escaped, matches, limit);
  return walkByName(query, covered, contains, limit);
}
