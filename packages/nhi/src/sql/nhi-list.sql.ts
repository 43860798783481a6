import {
  type Coverage,
  emptySql,
  joinSql,
  ownerCovered,
  type RealmQuery,
  type RealmTx,
  type Sql,
  sql,
  trustedSql,
} from '@nhi/platform';
import type { z } from 'zod';
import type { listNhiInput } from '../api/nhi.schema.ts';
import type { ListPosition, SortColumn, SortDirection } from '../service/nhi-cursor.ts';
import type { NhiEnvironment, NhiKind, NhiOwner, NhiProvider, NhiStatus } from '../service/nhi-detail.ts';

// The inventory list in hand-written SQL: one statement per page (owner joined) and one for the
// total, each in a read-only realm transaction outside the ORM, so a list call costs what its
// statements cost; the ORM's transaction handling, query building and separate owner lookup used
// to double the cheapest lists (ADR 0008).

export type ListNhiFilter = Omit<z.output<typeof listNhiInput>, 'sort' | 'direction' | 'limit' | 'cursor'>;

/** One row of the inventory table. */
export interface NhiListItem {
  id: string;
  kind: NhiKind;
  provider: NhiProvider;
  externalId: string;
  name: string;
  environment: NhiEnvironment;
  status: NhiStatus;
  tags: string[];
  /** null: nobody answers for it ("unowned"), or its owner is no longer a member of the realm. */
  owner: NhiOwner | null;
  lastUsedAt: Date | null;
  lastSeenAt: Date;
  firstSeenAt: Date;
  updatedAt: Date;
  version: number;
  activeCredentialCount: number;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
  deletedAt: Date | null;
}

const dayMs = 86_400_000;

/** LIKE treats % and _ as wildcards and \ as their escape: searched text matches only itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Timestamps are stored without zone, in UTC. */
const at = (date: Date) => sql`${date.toISOString()}::timestamp`;

const enumTypes = {
  kind: 'NhiKind',
  provider: 'NhiProvider',
  environment: 'NhiEnvironment',
  status: 'NhiStatus',
} as const;

function oneOfEnum(column: keyof typeof enumTypes, values: readonly string[]): Sql {
  const type = trustedSql(`"${enumTypes[column]}"`);
  return sql`n.${trustedSql(`"${column}"`)} IN (${joinSql(values.map((value) => sql`${value}::${type}`))})`;
}

/**
 * What an inventory list reads: the realm's identities (`n`) the caller covers that match the
 * filter. The realm and the coverage stay apart from the filter so that every statement names
 * them itself, next to the table they confine: a statement cannot take the filter and lose either.
 */
export interface ListConditions {
  realmId: string;
  /** The caller's coverage of `nhi:read` (ADR 0040): the owner teams whose identities it lists. */
  coverage: Coverage;
  /** The filter's conditions on `n`. */
  filter: Sql;
}

/**
 * The conditions of an inventory filter. Lists of values match any of them; tags match identities
 * carrying every listed tag, so each tag chip narrows the list further. `searchMatches`, the ids
 * the search index found for `q` (see findSearchMatches), replaces the row-by-row text match when
 * given.
 */
export function nhiListConditions(
  realmId: string,
  coverage: Coverage,
  filter: ListNhiFilter,
  now: Date,
  searchMatches?: readonly string[],
): ListConditions {
  const and: Sql[] = [];
  if (!filter.includeDeleted) and.push(sql`n."deletedAt" IS NULL`);
  if (filter.kind?.length) and.push(oneOfEnum('kind', filter.kind));
  and.push(...sharedConditions(filter));
  if (filter.status?.length) and.push(oneOfEnum('status', filter.status));
  if (filter.owner?.length) and.push(ownerCondition(filter.owner));
  if (filter.tag?.length) and.push(sql`n.tags @> ARRAY[${joinSql(filter.tag)}]::text[]`);
  if (filter.credentialOlderThanDays !== undefined) {
    const before = new Date(now.getTime() - filter.credentialOlderThanDays * dayMs);
    and.push(sql`n."oldestActiveCredentialAt" < ${at(before)}`);
  }
  if (filter.credentialNewerThanDays !== undefined) {
    const since = new Date(now.getTime() - filter.credentialNewerThanDays * dayMs);
    and.push(sql`n."oldestActiveCredentialAt" >= ${at(since)}`);
  }
  if (filter.riskLevel?.length) and.push(riskCondition(filter.riskLevel));
  if (filter.scan) and.push(scanCondition(filter.scan, filter.scanChange));
  if (filter.expiringWithinDays !== undefined) {
    // No lower bound: an identity whose credential already expired needs attention even more.
    const until = new Date(now.getTime() + filter.expiringWithinDays * dayMs);
    and.push(sql`n."nextCredentialExpiresAt" <= ${at(until)}`);
  }
  const q = filter.q?.trim();
  if (q && searchMatches) {
    and.push(searchMatches.length ? sql`n.id IN (${joinSql(searchMatches)})` : sql`FALSE`);
  } else if (q) {
    const pattern = `%${escapeLike(q)}%`;
    and.push(
      sql`(n.name ILIKE ${pattern} OR n."externalId" ILIKE ${pattern} OR n.description ILIKE ${pattern})`,
    );
  }
  return { realmId, coverage, filter: and.length > 0 ? joinSql(and, ' AND ') : sql`TRUE` };
}

/** The filters the dashboard shares with the inventory. */
export type SharedNhiFilter = Pick<ListNhiFilter, 'environment' | 'provider' | 'source'>;

function sharedConditions(filter: SharedNhiFilter): Sql[] {
  const and: Sql[] = [];
  if (filter.provider?.length) and.push(oneOfEnum('provider', filter.provider));
  if (filter.environment?.length) and.push(oneOfEnum('environment', filter.environment));
  if (filter.source?.length) {
    and.push(sql`EXISTS (SELECT 1 FROM "SourceItem" AS si
      WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" IN (${joinSql(filter.source)}))`);
  }
  return and;
}

/**
 * `n` is a live identity (not deleted) the filter matches: the inventory's own conditions, so a
 * figure the dashboard shows for a filter is the count the inventory lists for it.
 */
export function liveIdentityMatching(filter: SharedNhiFilter): Sql {
  return joinSql([sql`n."deletedAt" IS NULL`, ...sharedConditions(filter)], ' AND ');
}

/** What a scan recorded about the identity (ScanChange), of one kind of change when given. */
function scanCondition(scanId: string, change: ListNhiFilter['scanChange']): Sql {
  return sql`EXISTS (SELECT 1 FROM "ScanChange" AS sc
    WHERE sc."realmId" = n."realmId" AND sc."nhiId" = n.id AND sc."scanId" = ${scanId}
    ${change ? sql`AND sc.change = ${change}` : emptySql})`;
}

/** Unowned: neither a person nor a group answers for it. */
function ownerCondition(owners: readonly string[]): Sql {
  const userIds = owners.filter((owner) => owner !== 'unowned');
  const unowned = sql`(n."ownerUserId" IS NULL AND n."ownerGroupId" IS NULL)`;
  const owned = userIds.length ? sql`n."ownerUserId" IN (${joinSql(userIds)})` : undefined;
  if (!owned) return unowned;
  if (userIds.length === owners.length) return owned;
  return sql`(${unowned} OR ${owned})`;
}

/**
 * By the level of the risk score the alert domain keeps per identity (read from its table, never
 * computed here); "none" is an identity without a score.
 */
function riskCondition(levels: NonNullable<ListNhiFilter['riskLevel']>): Sql {
  const scoreOf = (condition: Sql) =>
    sql`EXISTS (SELECT 1 FROM "NhiRiskScore" AS r WHERE r."realmId" = n."realmId" AND r."nhiId" = n.id ${condition})`;
  const scored = levels.filter((level) => level !== 'none');
  const none = sql`NOT ${scoreOf(emptySql)}`;
  if (scored.length === 0) return none;
  const withLevel = scoreOf(sql`AND r.level::text IN (${joinSql(scored)})`);
  return scored.length === levels.length ? withLevel : sql`(${none} OR ${withLevel})`;
}

type SortValue = string | Date | null;
type Beyond = '>' | '<';

interface SortKey {
  /** The expression the list orders by. */
  column: Sql;
  nullable: boolean;
  /** The column runs against the direction the user asked for (an older date is a greater age). */
  inverted: boolean;
  /** A cursor's value as a parameter of the column's type. */
  value(value: string | Date): Sql;
  valueOf(row: NhiListItem): SortValue;
}

function columnKey(
  field: keyof NhiListItem & string,
  type: 'text' | 'date' | keyof typeof enumTypes,
  nullable: boolean,
  inverted = false,
): SortKey {
  const enumType =
    type in enumTypes ? trustedSql(`"${enumTypes[type as keyof typeof enumTypes]}"`) : undefined;
  return {
    column: sql`n.${trustedSql(`"${field}"`)}`,
    nullable,
    inverted,
    value: (value) =>
      value instanceof Date ? at(value) : enumType ? sql`${value}::${enumType}` : sql`${value}`,
    valueOf: (row) => row[field] as SortValue,
  };
}

/** Enumerations sort in their declared order, which is the database's enum order. */
const sortKeys: Record<SortColumn, SortKey> = {
  name: columnKey('name', 'text', false),
  kind: columnKey('kind', 'kind', false),
  provider: columnKey('provider', 'provider', false),
  environment: columnKey('environment', 'environment', false),
  status: columnKey('status', 'status', false),
  // Owners sort by email; an owner the realm cannot see (no longer a member) reads as no owner.
  owner: {
    column: sql`u.email`,
    nullable: true,
    inverted: false,
    value: (value) => sql`${value}`,
    valueOf: (row) => row.owner?.email ?? null,
  },
  lastUsedAt: columnKey('lastUsedAt', 'date', true),
  lastSeenAt: columnKey('lastSeenAt', 'date', false),
  firstSeenAt: columnKey('firstSeenAt', 'date', false),
  updatedAt: columnKey('updatedAt', 'date', false),
  oldestCredentialAge: columnKey('oldestActiveCredentialAt', 'date', true, true),
  nextCredentialExpiry: columnKey('nextCredentialExpiresAt', 'date', true),
};

export function sortValueOf(sort: SortColumn, row: NhiListItem): SortValue {
  return sortKeys[sort].valueOf(row);
}

/**
 * One stretch of the sorted list. Rows without a sort value come last whatever the direction:
 * they form their own stretch, ordered by id alone. Splitting the list this way keeps each
 * stretch's order and continuation condition simple enough for an index range scan.
 */
interface ListSegment {
  where: Sql;
  orderBy: Sql;
}

/** The stretches still to read, in order, after `after` (or from the start). */
function segmentsAfter(
  sort: SortColumn,
  direction: SortDirection,
  after: ListPosition | undefined,
): ListSegment[] {
  const key = sortKeys[sort];
  const ascending = key.inverted ? direction === 'desc' : direction === 'asc';
  const dir = trustedSql(ascending ? 'ASC' : 'DESC');
  const beyond: Beyond = ascending ? '>' : '<';
  const op = (comparison: string) => trustedSql(comparison);
  const byId = sql`n.id ${dir}`;
  if (after && after.value === null) {
    const where = sql`${key.column} IS NULL AND n.id ${op(beyond)} ${after.id}`;
    return key.nullable ? [{ where, orderBy: byId }] : [];
  }
  const nullSegment: ListSegment = { where: sql`${key.column} IS NULL`, orderBy: byId };
  let valueWhere = key.nullable ? sql`${key.column} IS NOT NULL` : sql`TRUE`;
  if (after && after.value !== null) {
    const value = key.value(after.value);
    // The redundant >= bound gives the database a range start; the OR settles ties by id.
    valueWhere = sql`${key.column} ${op(`${beyond}=`)} ${value}
      AND (${key.column} ${op(beyond)} ${value} OR n.id ${op(beyond)} ${after.id})`;
  }
  const valueSegment: ListSegment = { where: valueWhere, orderBy: sql`${key.column} ${dir}, n.id ${dir}` };
  return key.nullable ? [valueSegment, nullSegment] : [valueSegment];
}

interface ListRow extends Omit<NhiListItem, 'owner'> {
  ownerId: string | null;
  ownerEmail: string | null;
}

/**
 * Up to `take` rows of the sorted list after `after`, crossing from the rows with a sort value
 * into those without one when the first run out.
 */
export async function readListPage(
  query: RealmQuery,
  conditions: ListConditions,
  sort: SortColumn,
  direction: SortDirection,
  after: ListPosition | undefined,
  take: number,
): Promise<NhiListItem[]> {
  const items: NhiListItem[] = [];
  for (const segment of segmentsAfter(sort, direction, after)) {
    const rows = await query<ListRow>(sql`
      SELECT n.id, n.kind::text AS kind, n.provider::text AS provider, n."externalId", n.name,
        n.environment::text AS environment, n.status::text AS status, n.tags,
        u.id AS "ownerId", u.email AS "ownerEmail", n."lastUsedAt", n."lastSeenAt", n."firstSeenAt",
        n."updatedAt", n.version, n."activeCredentialCount", n."oldestActiveCredentialAt",
        n."nextCredentialExpiresAt", n."deletedAt"
      FROM "Nhi" AS n LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
      WHERE n."realmId" = ${conditions.realmId}
        AND ${ownerCovered(conditions.coverage, 'n')}
        AND ${conditions.filter} AND ${segment.where}
      ORDER BY ${segment.orderBy}
      LIMIT ${take - items.length}`);
    for (const { ownerId, ownerEmail, ...row } of rows) {
      items.push({ ...row, owner: ownerId && ownerEmail ? { id: ownerId, email: ownerEmail } : null });
    }
    if (items.length >= take) break;
  }
  return items;
}

/** The hand-written reads of a realm transaction that also writes or reads through the ORM. */
export function queryThrough(tx: RealmTx): RealmQuery {
  return <Row>(statement: Sql) => tx.$queryRaw<Row[]>(statement);
}

/** How many identities match, over all pages: the covered ones only. */
export async function countList(query: RealmQuery, conditions: ListConditions): Promise<number> {
  const [row] = await query<{ total: number }>(
    sql`SELECT count(*)::int AS total FROM "Nhi" AS n
      WHERE n."realmId" = ${conditions.realmId}
        AND ${ownerCovered(conditions.coverage, 'n')}
        AND ${conditions.filter}`,
  );
  return row?.total ?? 0;
}
