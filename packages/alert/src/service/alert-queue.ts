import { type Coverage, coveredGroupsWhere, type RealmTx } from '@nhi/platform';
import type { z } from 'zod';
import type { listAlertsInput } from '../api/alert.schema.ts';
import {
  type AlertGroupFilter,
  type AlertQueueRow,
  alertGroups,
  alertQueuePage,
  alertRuleIds,
  countAlerts,
  naturalOrder,
} from '../sql/alert-queue.sql.ts';
import type { AlertListItem, AlertListPage } from './alert-detail.ts';

/** A row of the alert list: the alert, its identity, and the identity's risk score (0 without one). */
export type AlertQueueItem = AlertListItem & { riskScore: number };
export type AlertQueuePage = Omit<AlertListPage, 'items'> & { items: AlertQueueItem[] };

import { alertRuleOf } from './alert-rules.ts';

type ListFilter = z.output<typeof listAlertsInput>;

function toQueueItem(row: AlertQueueRow): AlertQueueItem {
  const { nhiName, nhiEnvironment, ownerUserId, ownerEmail, riskScore, ...alert } = row;
  return {
    ...alert,
    title: alertRuleOf(row.ruleId)?.title ?? row.ruleId,
    riskScore,
    nhi:
      row.nhiId && nhiName !== null
        ? { name: nhiName, environment: nhiEnvironment ?? 'unknown', ownerUserId, ownerEmail }
        : null,
  };
}

/**
 * One page of the list in the asked order, paged by keyset from either end: `cursor` reads the page
 * after that alert, `before` the page before it. Pages and total hold the alerts `coverage` reaches.
 */
export async function readAlertPage(
  tx: RealmTx,
  realmId: string,
  input: ListFilter,
  coverage: Coverage,
): Promise<AlertQueuePage> {
  const { sort, order, cursor: after, before, limit, ...filter } = input;
  const backward = !after && Boolean(before);
  const cursor = after ?? before;
  const request = { sort, order: order ?? naturalOrder[sort], cursor, backward, take: limit + 1 };
  const rows = await alertQueuePage(tx, realmId, filter, request, coverage);
  const more = rows.length > limit;
  // Backwards, the extra row is the first one: the page is the last `limit` rows.
  const page = backward ? rows.slice(-limit) : rows.slice(0, limit);
  const hasNext = backward ? page.length > 0 : more;
  const hasPrevious = backward ? more : Boolean(cursor) && page.length > 0;
  return {
    items: page.map(toQueueItem),
    total: await countAlerts(tx, realmId, filter, coverage),
    nextCursor: hasNext ? (page.at(-1)?.id ?? null) : null,
    previousCursor: hasPrevious ? (page[0]?.id ?? null) : null,
  };
}

export interface AlertGroup {
  /** The rule's id or the identity's id; null for the alerts about no identity. */
  key: string | null;
  /** The rule's title or the identity's name. */
  label: string;
  count: number;
  worstSeverity: AlertGroupRowSeverity;
}
type AlertGroupRowSeverity = Awaited<ReturnType<typeof alertGroups>>[number]['worstSeverity'];

export interface AlertGroups {
  by: 'rule' | 'identity';
  groups: AlertGroup[];
  /** More groups match than are listed. */
  truncated: boolean;
}

const maxGroups = 200;

export async function readAlertGroups(
  tx: RealmTx,
  realmId: string,
  by: 'rule' | 'identity',
  filter: AlertGroupFilter,
  coverage: Coverage,
): Promise<AlertGroups> {
  const rows = await alertGroups(tx, realmId, filter, by, maxGroups + 1, coverage);
  return {
    by,
    truncated: rows.length > maxGroups,
    groups: rows.slice(0, maxGroups).map((row) => ({
      key: row.key,
      label:
        by === 'rule'
          ? (alertRuleOf(row.key ?? '')?.title ?? row.key ?? '')
          : (row.name ?? (row.key ? 'a deleted identity' : 'no identity')),
      count: row.count,
      worstSeverity: row.worstSeverity,
    })),
  };
}

export interface AlertFilterOptions {
  rules: { id: string; title: string }[];
  /** Members of the realm, owners of identities. */
  owners: { id: string; email: string }[];
  /** Groups of the realm, owner teams of identities. */
  teams: { id: string; name: string }[];
  sources: { id: string; name: string }[];
}

/**
 * What the list's filters offer: the rules that raised the alerts `coverage` reaches, the realm's
 * members, the teams whose identities it reaches (every group of the realm for the whole realm)
 * and the scanner sources.
 */
export async function readFilterOptions(
  tx: RealmTx,
  realmId: string,
  coverage: Coverage,
): Promise<AlertFilterOptions> {
  const ruleIds = await alertRuleIds(tx, realmId, coverage);
  const members = await tx.realmMembership.findMany({
    select: { user: { select: { id: true, email: true } } },
    orderBy: { user: { email: 'asc' } },
  });
  const teams = await tx.policyGroup.findMany({
    where: coveredGroupsWhere(coverage),
    select: { id: true, name: true },
    orderBy: { name: 'asc' },
  });
  const sources = await tx.source.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } });
  return {
    rules: ruleIds.map((ruleId) => ({ id: ruleId, title: alertRuleOf(ruleId)?.title ?? ruleId })),
    owners: members.map(({ user }) => user),
    teams,
    sources,
  };
}
