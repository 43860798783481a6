import { type Coverage, joinSql, ownerCovered, type RealmTx, type Sql, sql, trustedSql } from '@nhi/platform';
import type { z } from 'zod';
import type { AlertSortKey, alertGroupsInput, listAlertsInput } from '../api/alert.schema.ts';
import type { AlertState } from '../service/alert-detail.ts';
import type { AlertSeverity } from '../service/alert-rules.ts';

// The alert list in one statement per page: the alert (`a`) with its identity (`n`), the identity's
// owner (`u`) and risk score (`r`) joined, so it filters and sorts on any of them and pages by
// keyset whatever the sort. The caller's `alert:read` coverage is a condition on the joined
// identity (`n."ownerGroupId"`), so pages, totals and groups are all over the visible alerts.

export type AlertListFilter = Omit<
  z.output<typeof listAlertsInput>,
  'sort' | 'order' | 'cursor' | 'before' | 'limit'
>;

export interface AlertQueueRow {
  id: string;
  ruleId: string;
  owaspId: string;
  severity: AlertSeverity;
  state: AlertState;
  nhiId: string | null;
  credentialId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  stateChangedAt: Date;
  resolution: string | null;
  suppressedUntil: Date | null;
  suppressReason: string | null;
  nhiName: string | null;
  nhiEnvironment: string | null;
  ownerUserId: string | null;
  ownerEmail: string | null;
  riskScore: number;
}

type Direction = 'asc' | 'desc';

/** LIKE treats % and _ as wildcards and \ as their escape: searched text matches only itself. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * The expressions a sort orders by, for an alert and its joins under the given aliases; the id
 * closes every key so that equal values keep one order and a page boundary falls between rows.
 * Identities sort by name with the alerts about none after them (in ascending order).
 */
function sortExpressions(key: AlertSortKey, a: string, n: string, r: string): Sql[] {
  const col = (alias: string, column: string) => trustedSql(`${alias}."${column}"`);
  switch (key) {
    case 'severity':
      return [col(a, 'severity')];
    case 'risk':
      return [trustedSql(`COALESCE(${r}.score, 0)`)];
    case 'firstSeen':
      return [col(a, 'firstSeenAt')];
    case 'lastSeen':
      return [col(a, 'lastSeenAt')];
    case 'identity':
      return [trustedSql(`(${n}.name IS NULL)`), trustedSql(`COALESCE(${n}.name, '')`)];
    case 'changed':
      return [col(a, 'stateChangedAt')];
  }
}

/** Newest, worst and riskiest first; names from A; the oldest first sighting first (the age of a problem). */
export const naturalOrder: Record<AlertSortKey, Direction> = {
  changed: 'desc',
  severity: 'desc',
  risk: 'desc',
  firstSeen: 'asc',
  lastSeen: 'desc',
  identity: 'asc',
};

// Written out per alias (not built from names) so the realm-filter check reads every join.
const alertJoins = trustedSql(
  `/* covered where used */ LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
   LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
   LEFT JOIN "NhiRiskScore" AS r ON r."realmId" = a."realmId" AND r."nhiId" = a."nhiId"`,
);
const cursorJoins = trustedSql(
  `/* covered where used */ LEFT JOIN "Nhi" AS cn ON cn."realmId" = c."realmId" AND cn.id = c."nhiId"
   LEFT JOIN "User" AS cu ON cu.id = cn."ownerUserId"
   LEFT JOIN "NhiRiskScore" AS cr ON cr."realmId" = c."realmId" AND cr."nhiId" = c."nhiId"`,
);

/**
 * The filter's conditions on `a` and `n`, within the coverage. Environment, provider and source
 * filters keep alerts about live identities only, as the dashboard counts them. A scoped caller's
 * condition on `n` turns the identity join into an inner one: the planner may then start from the
 * team's identities (the `Nhi` owner-team index) and reach their alerts by the `nhiId` index.
 */
function filterConditions(realmId: string, filter: AlertListFilter, coverage: Coverage): Sql {
  const and: Sql[] = [sql`a."realmId" = ${realmId}`, ownerCovered(coverage, 'n')];
  // The values are cast to the column's enum, not the column to text: a cast column hides it from
  // the planner's statistics and indexes, and the queue's first page then sorts every open alert.
  const anyOf = (column: string, type: string, values: readonly string[] | undefined) => {
    if (values?.length)
      and.push(
        sql`${trustedSql(column)} IN (${joinSql(values.map((value) => sql`${value}::${trustedSql(type)}`))})`,
      );
  };
  anyOf('a.state', '"AlertState"', filter.states);
  anyOf('a.severity', '"AlertSeverity"', filter.severities);
  if (filter.ruleId) and.push(sql`a."ruleId" = ${filter.ruleId}`);
  if (filter.owaspId) and.push(sql`a."owaspId" = ${filter.owaspId}`);
  if (filter.nhiId) and.push(sql`a."nhiId" = ${filter.nhiId}`);
  if (filter.ownerUserId) and.push(sql`n."ownerUserId" = ${filter.ownerUserId}`);
  if (filter.ownerGroupId) and.push(sql`n."ownerGroupId" = ${filter.ownerGroupId}`);
  if (filter.identity) and.push(sql`n.name ILIKE ${`%${escapeLike(filter.identity)}%`}`);
  if (filter.environments?.length || filter.providers?.length || filter.sources?.length)
    and.push(sql`n."deletedAt" IS NULL`);
  anyOf('n.environment', '"NhiEnvironment"', filter.environments);
  anyOf('n.provider', '"NhiProvider"', filter.providers);
  if (filter.sources?.length) {
    and.push(sql`EXISTS (SELECT 1 FROM "SourceItem" AS si
      WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" IN (${joinSql(filter.sources)}))`);
  }
  return joinSql(and, ' AND ');
}

export interface QueuePageRequest {
  sort: AlertSortKey;
  order: Direction;
  /** The page after this alert (forward) or before it (backward). */
  cursor?: string;
  backward: boolean;
  /** Rows to read: one more than the page, to know whether another follows. */
  take: number;
}

/**
 * One page of the list in its order. A cursor is an alert's id: the page continues from that
 * alert's current sort values, so it needs no encoding and any alert of the realm can start a page;
 * an id the realm does not have yields an empty page. Backward pages come back in the list's order.
 */
export async function alertQueuePage(
  tx: RealmTx,
  realmId: string,
  filter: AlertListFilter,
  page: QueuePageRequest,
  coverage: Coverage,
): Promise<AlertQueueRow[]> {
  // Reading backwards is reading forwards in the opposite order from the same cursor.
  const ascending = (page.order === 'asc') !== page.backward;
  const direction = trustedSql(ascending ? 'ASC' : 'DESC');
  const keys = [...sortExpressions(page.sort, 'a', 'n', 'r'), sql`a.id`];
  const beyond = page.cursor
    ? sql`AND (${joinSql(keys)}) ${trustedSql(ascending ? '>' : '<')} (
        SELECT ${joinSql([...sortExpressions(page.sort, 'c', 'cn', 'cr'), sql`c.id`])}
        FROM "Alert" AS c ${cursorJoins}
        WHERE c."realmId" = ${realmId} AND c.id = ${page.cursor}
          AND ${ownerCovered(coverage, 'cn')})`
    : sql``;
  const rows = await tx.$queryRaw<AlertQueueRow[]>`
    SELECT a.id, a."ruleId", a."owaspId", a.severity::text AS severity, a.state::text AS state,
      a."nhiId", a."credentialId", a."firstSeenAt", a."lastSeenAt", a."stateChangedAt", a.resolution,
      a."suppressedUntil", a."suppressReason", n.name AS "nhiName", n.environment::text AS "nhiEnvironment",
      n."ownerUserId", u.email AS "ownerEmail", COALESCE(r.score, 0)::int AS "riskScore"
    FROM "Alert" AS a ${alertJoins}
    WHERE a."realmId" = ${realmId} AND ${filterConditions(realmId, filter, coverage)} ${beyond}
    ORDER BY ${joinSql(keys.map((key) => sql`${key} ${direction}`))}
    LIMIT ${page.take}`;
  return page.backward ? rows.reverse() : rows;
}

export async function countAlerts(
  tx: RealmTx,
  realmId: string,
  filter: AlertListFilter,
  coverage: Coverage,
): Promise<number> {
  // Without the joins, a count by state and severity is read from the alert index alone; a join
  // the filter does not use still asks for the alert's `nhiId`, which sends the count to the table.
  const joins = readsIdentity(filter, coverage) ? alertJoins : sql``;
  const [row] = await tx.$queryRaw<{ total: number }[]>`
    SELECT count(*)::int AS total FROM "Alert" AS a ${joins}
    WHERE a."realmId" = ${realmId} AND ${filterConditions(realmId, filter, coverage)}`;
  return row?.total ?? 0;
}

/** Whether the filter's conditions name the identity (`n`): a scope, an owner, a name, a kind of source. */
function readsIdentity(filter: AlertListFilter, coverage: Coverage): boolean {
  return (
    coverage.kind !== 'all' ||
    Boolean(filter.ownerUserId || filter.ownerGroupId || filter.identity) ||
    Boolean(filter.environments?.length || filter.providers?.length || filter.sources?.length)
  );
}

export interface AlertGroupRow {
  /** The rule's id, or the identity's id (null: alerts about no identity). */
  key: string | null;
  /** The identity's name when grouped by identity. */
  name: string | null;
  count: number;
  worstSeverity: AlertSeverity;
}

export type AlertGroupFilter = Omit<z.output<typeof alertGroupsInput>, 'by'>;

/** The matching alerts counted per rule or per identity, the largest groups first; at most `limit` groups. */
export async function alertGroups(
  tx: RealmTx,
  realmId: string,
  filter: AlertGroupFilter,
  by: 'rule' | 'identity',
  limit: number,
  coverage: Coverage,
): Promise<AlertGroupRow[]> {
  const key = by === 'rule' ? sql`a."ruleId"` : sql`a."nhiId"`;
  const name = by === 'rule' ? sql`NULL::text` : sql`max(n.name)`;
  return tx.$queryRaw<AlertGroupRow[]>`
    SELECT ${key} AS key, ${name} AS name, count(*)::int AS count, max(a.severity)::text AS "worstSeverity"
    FROM "Alert" AS a ${alertJoins}
    WHERE a."realmId" = ${realmId} AND ${filterConditions(realmId, filter, coverage)}
    GROUP BY ${key}
    ORDER BY count(*) DESC, max(a.severity) DESC, ${key} ASC NULLS LAST
    LIMIT ${limit}`;
}

/** The rules that raised the alerts the coverage reaches, by id. */
export async function alertRuleIds(tx: RealmTx, realmId: string, coverage: Coverage): Promise<string[]> {
  const rows = await tx.$queryRaw<{ ruleId: string }[]>`
    SELECT DISTINCT a."ruleId" FROM "Alert" AS a
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    WHERE a."realmId" = ${realmId} AND ${ownerCovered(coverage, 'n')}
    ORDER BY a."ruleId"`;
  return rows.map((row) => row.ruleId);
}
