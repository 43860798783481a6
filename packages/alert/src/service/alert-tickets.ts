import {
  actorOf,
  NotFoundError,
  parseInput,
  publishDomainEvent,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  UnavailableError,
  ValidationError,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type CreateTicketInput,
  type CreateTicketsInput,
  createTicketInput,
  createTicketsInput,
  syncTicketsInput,
} from '../api/channel.schema.ts';
import { type AlertTicketView, queueTicketCreates } from '../sql/alert-tickets.sql.ts';
import { assertAlertsCovered } from './alert-coverage.ts';
import { isTracker } from './ticket-delivery.ts';
import { TicketSync, type TicketSyncResult } from './ticket-sync.ts';
import { TrackerError } from './tracker-clients.ts';

/** A tracker as the alert page offers it. */
export interface TrackerView {
  id: string;
  name: string;
  type: 'jira' | 'servicenow';
  lastSyncAt: Date | null;
  lastSyncError: string | null;
}

const ticketSelect = {
  id: true,
  alertId: true,
  channelId: true,
  externalKey: true,
  url: true,
  status: true,
  done: true,
  lastSyncedAt: true,
  createdAt: true,
  channel: { select: { name: true, type: true } },
} as const;

type TicketRow = {
  id: string;
  alertId: string;
  channelId: string;
  externalKey: string | null;
  url: string | null;
  status: string | null;
  done: boolean;
  lastSyncedAt: Date | null;
  createdAt: Date;
  channel: { name: string; type: string };
};

const viewOf = ({ channel, alertId: _a, ...row }: TicketRow): AlertTicketView => ({
  ...row,
  channelName: channel.name,
  trackerType: channel.type as AlertTicketView['trackerType'],
});

/** The alert's tickets, for its page: every tracker's, oldest first. */
export async function ticketsOfAlert(tx: RealmTx, alertId: string): Promise<AlertTicketView[]> {
  const rows = await tx.alertTicket.findMany({
    where: { alertId },
    orderBy: { createdAt: 'asc' },
    select: ticketSelect,
  });
  return rows.map(viewOf);
}

/**
 * Tickets of alerts by hand: one ticket per alert fingerprint and tracker, whoever asks and however
 * often. The alerts must be ones the caller's `alert:ack` covers (others are NOT_FOUND, and a
 * selection with one outside tickets none); the ticket rows and their `ticket.create` are written
 * in one transaction, and the delivery job opens them in the tracker.
 */
@injectable()
export class AlertTickets {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
    @inject(TicketSync) private readonly sync: TicketSync,
  ) {}

  /** The alert's ticket on the tracker: the one it has already, or a new one queued for creation. */
  async create(input: CreateTicketInput): Promise<AlertTicketView> {
    const { alertId, channelId } = parseInput(createTicketInput, input, 'ticket');
    const [ticket] = await this.createMany({ alertIds: [alertId], channelId });
    if (!ticket) throw new NotFoundError('Alert', alertId);
    return ticket;
  }

  async createMany(input: CreateTicketsInput): Promise<AlertTicketView[]> {
    const { alertIds, channelId } = parseInput(createTicketsInput, input, 'tickets');
    const ids = [...new Set(alertIds)];
    const now = this.context.clock.now();
    return this.realmDb.transaction(async (tx) => {
      await this.requireTracker(tx, channelId);
      const alerts = await tx.alert.findMany({
        where: { id: { in: ids } },
        select: { id: true, nhiId: true, fingerprint: true },
      });
      const missing = ids.find((id) => !alerts.some((alert) => alert.id === id));
      if (missing) throw new NotFoundError('Alert', missing);
      await assertAlertsCovered(tx, this.permissions.coverage('alert:ack'), alerts);
      const queued = await queueTicketCreates(tx, this.realmDb.realmId, channelId, ids, now);
      if (queued > 0) {
        await publishDomainEvent(tx, 'alert.notifications_queued');
        await tx.auditLog.create({
          data: {
            ...actorOf(this.context.principal),
            action: 'alert.ticket.create',
            entityType: 'AlertChannel',
            entityId: channelId,
            after: { alertIds: ids, queued },
            requestId: this.context.requestId,
            createdAt: now,
          },
        });
      }
      const rows = await tx.alertTicket.findMany({
        where: { channelId, fingerprint: { in: [...new Set(alerts.map((a) => a.fingerprint))] } },
        orderBy: { createdAt: 'asc' },
        select: ticketSelect,
      });
      return rows.map(viewOf);
    });
  }

  async trackers(): Promise<TrackerView[]> {
    const rows = await this.realmDb.transaction((tx) =>
      tx.alertChannel.findMany({
        where: { enabled: true, type: { in: ['jira', 'servicenow'] } },
        orderBy: { name: 'asc' },
        select: { id: true, name: true, type: true, lastSyncAt: true, lastSyncError: true },
      }),
    );
    return rows.map((row) => ({ ...row, type: row.type as TrackerView['type'] }));
  }

  /** Asks the tracker now what changed since the last sync (the job does it every five minutes). */
  async syncNow(input: { channelId: string }): Promise<TicketSyncResult> {
    const { channelId } = parseInput(syncTicketsInput, input, 'tracker');
    await this.realmDb.transaction((tx) => this.requireTracker(tx, channelId));
    try {
      return await this.sync.syncChannel(this.realmDb.realmId, channelId);
    } catch (error) {
      // The tracker's refusal or silence is the caller's to read (it is also kept as lastSyncError).
      if (error instanceof TrackerError)
        throw new UnavailableError(`The tracker could not be read: ${error.message}`);
      throw error;
    }
  }

  private async requireTracker(tx: RealmTx, channelId: string) {
    const channel = await tx.alertChannel.findFirst({
      where: { id: channelId },
      select: { type: true, enabled: true },
    });
    if (!channel) throw new NotFoundError('AlertChannel', channelId);
    if (!isTracker(channel.type) || !channel.enabled)
      throw new ValidationError('Not a ticket tracker', [
        { path: ['channelId'], message: 'Choose an enabled Jira or ServiceNow channel' },
      ]);
  }
}
