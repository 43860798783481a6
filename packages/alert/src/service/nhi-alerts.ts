import {
  coveredOwnerWhere,
  NotFoundError,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AlertHistoryEntry,
  type AlertListItem,
  type AlertState,
  alertListSelect,
  toListItem,
} from './alert-detail.ts';
import { alertRuleOf } from './alert-rules.ts';

/** One transition of one of the identity's alerts, named by its rule: a line of the identity's timeline. */
export type NhiAlertEvent = AlertHistoryEntry & { alertId: string; ruleId: string; title: string };

export interface NhiAlerts {
  /** Open first, then acknowledged, suppressed and resolved; the latest change first within each. */
  alerts: AlertListItem[];
  /** Every transition of those alerts, the newest first, with who made it. */
  events: NhiAlertEvent[];
  /** The identity has more alerts than are shown. */
  truncated: boolean;
}

/** An identity with hundreds of alerts is a case for the alert list and its filters, not one page. */
export const nhiAlertsShown = 200;

/** Needs attention first: what is open, then what someone is on, then what waits or is done. */
const stateRank: Record<AlertState, number> = { open: 0, acknowledged: 1, suppressed: 2, resolved: 3 };

const eventSelect = {
  kind: true,
  fromState: true,
  toState: true,
  reason: true,
  actorType: true,
  actorId: true,
  createdAt: true,
} as const;

/** The alerts of one identity with their history, for the identity's page. */
@injectable()
export class NhiAlertsService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /**
   * An id that names no identity of the realm, or one outside the caller's `alert:read` coverage,
   * is NOT_FOUND, not an empty list.
   */
  async ofNhi(nhiId: string): Promise<NhiAlerts> {
    return this.realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId, ...coveredOwnerWhere(this.permissions.coverage('alert:read')) },
        select: { name: true, environment: true, ownerUserId: true, owner: { select: { email: true } } },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      const rows = await tx.alert.findMany({
        where: { nhiId },
        orderBy: [{ stateChangedAt: 'desc' }, { ruleId: 'asc' }, { id: 'desc' }],
        take: nhiAlertsShown + 1,
        select: { ...alertListSelect, events: { orderBy: { createdAt: 'desc' }, select: eventSelect } },
      });
      const shown = rows.slice(0, nhiAlertsShown);
      const owner = {
        name: nhi.name,
        environment: nhi.environment,
        ownerUserId: nhi.ownerUserId,
        ownerEmail: nhi.owner?.email ?? null,
      };
      return {
        alerts: [...shown]
          .sort((a, b) => stateRank[a.state] - stateRank[b.state])
          .map(({ events: _events, ...row }) => toListItem(row, owner)),
        events: shown.flatMap(eventsOf).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()),
        truncated: rows.length > nhiAlertsShown,
      };
    });
  }
}

function eventsOf(row: { id: string; ruleId: string; events: AlertHistoryEntry[] }): NhiAlertEvent[] {
  const title = alertRuleOf(row.ruleId)?.title ?? row.ruleId;
  return row.events.map((event) => ({ ...event, alertId: row.id, ruleId: row.ruleId, title }));
}
