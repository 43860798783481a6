import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  CLOCK,
  type Clock,
  LOGGER,
  type Logger,
  NotFoundError,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
  type RealmTx,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { lockRealmAlerts } from '../sql/alert-lock.sql.ts';
import { refreshRiskScores } from '../sql/risk-scores.sql.ts';
import { ChannelSecrets } from './channel-secrets.ts';
import { isTracker } from './ticket-delivery.ts';
import { openTrackerSecret, type TrackerTicket, trackerClient } from './tracker-clients.ts';

/** What one sync of a tracker did. */
export interface TicketSyncResult {
  /** Tickets the tracker reported as updated since the cursor. */
  seen: number;
  /** Tickets of this hub whose status changed. */
  updated: number;
  /** Alerts resolved or acknowledged because their ticket was closed. */
  alertsChanged: number;
  cursor: string | null;
}

/** Pages one sync reads at most; the cursor moves, so the next sync goes on where it stopped. */
const maxPages = 50;

/** The system actor of changes made because of a tracker. */
const actor = { actorType: 'system' as const, actorId: 'tickets' };

/**
 * Brings the tracker's view back to the hub: asks a tracker channel for the hub's tickets updated
 * since its cursor (page after page), records each ticket's status, and for a ticket that became
 * done resolves or acknowledges its alert (the channel's `onTicketDone`) as the system, with a
 * reason naming the ticket. The cursor, lastSyncAt and lastSyncError are kept on the channel.
 * Idempotent: a ticket seen twice changes nothing the second time. A webhook from the tracker, once
 * its signature holds, reads the one ticket it names and applies it the same way (a payload that
 * names none runs the cursor sync).
 */
@injectable()
export class TicketSync {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(ChannelSecrets) private readonly secrets: ChannelSecrets,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Every enabled tracker of the realm; one failing tracker does not stop the others. */
  async syncRealm(realmId: string): Promise<void> {
    const realmDb = new RealmDb(this.database, realmId);
    const channels = await realmDb.transaction((tx) =>
      tx.alertChannel.findMany({
        where: { enabled: true, type: { in: ['jira', 'servicenow'] } },
        select: { id: true },
      }),
    );
    for (const channel of channels) {
      await this.syncChannel(realmId, channel.id).catch((error: unknown) => {
        this.logger.warn({ realmId, channelId: channel.id, err: String(error) }, 'ticket sync failed');
      });
    }
  }

  /** The tracker channel and a client holding its current credential. */
  private async openChannel(realmDb: RealmDb, channelId: string) {
    const channel = await realmDb.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: channelId },
        select: { id: true, type: true, settings: true, encryptedSecret: true, syncCursor: true },
      }),
    );
    if (!channel || !isTracker(channel.type)) throw new NotFoundError('AlertChannel', channelId);
    const settings = channel.settings as Record<string, unknown>;
    const secret = openTrackerSecret(
      channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : null,
    );
    const type = channel.type;
    return { channel: { ...channel, type }, client: trackerClient(type, settings, secret) };
  }

  async syncChannel(realmId: string, channelId: string): Promise<TicketSyncResult> {
    const realmDb = new RealmDb(this.database, realmId);
    const { channel, client } = await this.openChannel(realmDb, channelId);
    const result: TicketSyncResult = { seen: 0, updated: 0, alertsChanged: 0, cursor: channel.syncCursor };
    try {
      let page: string | null = null;
      for (let read = 0; read < maxPages; read += 1) {
        const answer = await client.updatedSince(channel.syncCursor, page);
        const applied = await this.apply(realmDb, channel, answer.tickets);
        result.seen += answer.tickets.length;
        result.updated += applied.updated;
        result.alertsChanged += applied.alertsChanged;
        result.cursor = latest(result.cursor, answer.tickets);
        if (!answer.next) break;
        page = answer.next;
      }
    } catch (error) {
      const message = syncErrorOf(error);
      await this.record(realmDb, channel.id, result.cursor, message);
      throw error;
    }
    await this.record(realmDb, channel.id, result.cursor, null);
    return result;
  }

  /**
   * One ticket the tracker told us about: the realm's ticket of this channel with that tracker id
   * (or key) is read from the tracker and applied as the cursor sync applies it. A ticket the realm
   * does not know is not even asked for; one the tracker no longer has changes nothing. The cursor
   * and lastSyncAt stay as they are (the next cursor sync still reads everything since the cursor);
   * a tracker that cannot be read leaves its error in lastSyncError.
   */
  async syncTicket(realmId: string, channelId: string, named: NamedTicket): Promise<TicketSyncResult> {
    const realmDb = new RealmDb(this.database, realmId);
    const { channel, client } = await this.openChannel(realmDb, channelId);
    const result: TicketSyncResult = { seen: 0, updated: 0, alertsChanged: 0, cursor: channel.syncCursor };
    const known = await realmDb.transaction((tx) =>
      tx.alertTicket.findFirst({
        where: {
          channelId,
          externalId: { not: null },
          OR: [
            ...(named.id ? [{ externalId: named.id }] : []),
            ...(named.key ? [{ externalKey: named.key }] : []),
          ],
        },
        select: { externalId: true },
      }),
    );
    if (!known?.externalId) return result;
    let ticket: TrackerTicket | null;
    try {
      ticket = await client.get(known.externalId);
    } catch (error) {
      const message = syncErrorOf(error);
      await realmDb.transaction((tx) =>
        tx.alertChannel.update({ where: { id: channel.id }, data: { lastSyncError: message } }),
      );
      throw error;
    }
    if (!ticket) return result;
    const applied = await this.apply(realmDb, channel, [ticket]);
    return { ...result, seen: 1, ...applied };
  }

  /**
   * A tracker's webhook: `X-Hub-Signature: sha256=<HMAC-SHA256 of the raw body under the channel's
   * webhook secret>`, compared in constant time. Unknown realms and channels, channels without a
   * webhook secret and bad signatures all answer the same (false), so the route tells nothing
   * about which exist. A good one reads the ticket it names (Jira: `issue.id` / `issue.key`;
   * ServiceNow: the record's `sys_id` / `number`) and applies it; a body that names no ticket syncs
   * the channel from its cursor. A replay reads again and changes nothing.
   */
  async receiveWebhook(realmSlug: string, channelId: string, body: string, signature: string | null) {
    const realm = await this.database.systemPrisma.realm.findUnique({
      where: { slug: realmSlug },
      select: { id: true },
    });
    if (!realm || !signature || !/^[0-9a-f-]{36}$/.test(channelId)) return false;
    const realmDb = new RealmDb(this.database, realm.id);
    const channel = await realmDb.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: channelId, enabled: true, type: { in: ['jira', 'servicenow'] } },
        select: { type: true, encryptedSecret: true },
      }),
    );
    if (!channel?.encryptedSecret || !isTracker(channel.type)) return false;
    const { webhookSecret } = openTrackerSecret(await this.secrets.open(channel.encryptedSecret));
    if (!webhookSecret || !signatureHolds(webhookSecret, body, signature)) return false;
    const named = ticketNamedBy(channel.type, body);
    if (named) await this.syncTicket(realm.id, channelId, named);
    else await this.syncChannel(realm.id, channelId);
    return true;
  }

  private async apply(
    realmDb: RealmDb,
    channel: { id: string; type: 'jira' | 'servicenow'; settings: unknown },
    tickets: TrackerTicket[],
  ): Promise<{ updated: number; alertsChanged: number }> {
    if (tickets.length === 0) return { updated: 0, alertsChanged: 0 };
    const now = this.clock.now();
    const settings = channel.settings as Record<string, unknown>;
    const onDone = settings.onTicketDone === 'acknowledge' ? 'acknowledged' : 'resolved';
    const trackerName = channel.type === 'jira' ? 'Jira' : 'ServiceNow';
    const channelId = channel.id;
    return realmDb.transaction(async (tx) => {
      const known = await tx.alertTicket.findMany({
        where: { channelId, externalId: { in: tickets.map((t) => t.externalId) } },
        select: { id: true, alertId: true, externalId: true, status: true, done: true },
      });
      let updated = 0;
      const closed: { alertId: string; key: string }[] = [];
      for (const row of known) {
        const ticket = tickets.findLast((t) => t.externalId === row.externalId);
        if (!ticket) continue;
        if (ticket.status !== row.status || ticket.done !== row.done) {
          updated += 1;
          if (ticket.done && !row.done) closed.push({ alertId: row.alertId, key: ticket.externalKey });
        }
        await tx.alertTicket.update({
          where: { id: row.id },
          data: { status: ticket.status, done: ticket.done, lastSyncedAt: now, updatedAt: now },
        });
      }
      let alertsChanged = 0;
      if (closed.length > 0) {
        await lockRealmAlerts(tx, realmDb.realmId);
        for (const { alertId, key } of closed)
          alertsChanged += await ticketClosed(
            tx,
            realmDb.realmId,
            alertId,
            onDone,
            `${trackerName} ticket ${key} was closed`,
            now,
          );
      }
      return { updated, alertsChanged };
    });
  }

  private async record(realmDb: RealmDb, channelId: string, cursor: string | null, error: string | null) {
    await realmDb.transaction((tx) =>
      tx.alertChannel.update({
        where: { id: channelId },
        data: { syncCursor: cursor, lastSyncAt: this.clock.now(), lastSyncError: error },
      }),
    );
  }
}

/** The ticket a webhook names: the tracker's id, its human key, or both. */
export interface NamedTicket {
  id?: string;
  key?: string;
}

/** A field of the body as text when it has the shape of an id (some senders write Jira's id as a number). */
const asText = (value: unknown, pattern: RegExp) => {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && pattern.test(text) ? text : undefined;
};

/**
 * The ticket a tracker's webhook body names, or null when it names none (or is no JSON): Jira's
 * issue events carry `issue.id` and `issue.key`; a ServiceNow business rule or outbound REST
 * message sends the record's `sys_id` (and `number`) at the top of its JSON body.
 */
export function ticketNamedBy(type: 'jira' | 'servicenow', body: string): NamedTicket | null {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return null;
  }
  if (!payload || typeof payload !== 'object') return null;
  const named =
    type === 'jira'
      ? {
          id: asText((payload as { issue?: { id?: unknown } }).issue?.id, /^\d{1,20}$/),
          key: asText(
            (payload as { issue?: { key?: unknown } }).issue?.key,
            /^[A-Z][A-Z0-9_]{0,49}-\d{1,12}$/,
          ),
        }
      : {
          id: asText((payload as { sys_id?: unknown }).sys_id, /^[0-9a-f]{32}$/),
          key: asText((payload as { number?: unknown }).number, /^[A-Za-z0-9_]{1,40}$/),
        };
  return named.id || named.key
    ? { ...(named.id ? { id: named.id } : {}), ...(named.key ? { key: named.key } : {}) }
    : null;
}

/** What a failed read keeps in the channel's lastSyncError: the message, cut short. */
const syncErrorOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** The latest update time seen: the tracker's own format, which sorts as its time does. */
function latest(cursor: string | null, tickets: TrackerTicket[]): string | null {
  return tickets.reduce<string | null>(
    (max, t) => (t.updated && (max === null || t.updated > max) ? t.updated : max),
    cursor,
  );
}

export function signatureHolds(secret: string, body: string, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The alert whose ticket was closed: resolved (from open, acknowledged or suppressed) or
 * acknowledged (from open), with its history entry and audit line, as the system. An alert
 * already there is left alone. Returns 1 when it changed.
 */
async function ticketClosed(
  tx: RealmTx,
  realmId: string,
  alertId: string,
  to: 'resolved' | 'acknowledged',
  reason: string,
  now: Date,
): Promise<number> {
  const alert = await tx.alert.findFirst({ where: { id: alertId }, select: { state: true, nhiId: true } });
  const from = to === 'resolved' ? ['open', 'acknowledged', 'suppressed'] : ['open'];
  if (!alert || !from.includes(alert.state)) return 0;
  const changed = await tx.alert.updateMany({
    where: { id: alertId, state: alert.state },
    data: {
      state: to,
      stateChangedAt: now,
      updatedAt: now,
      suppressedUntil: null,
      suppressReason: null,
      suppressedById: null,
      resolution: to === 'resolved' ? 'ticket' : null,
    },
  });
  if (changed.count === 0) return 0;
  await tx.alertEvent.create({
    data: { alertId, fromState: alert.state, toState: to, reason, ...actor, createdAt: now },
  });
  await tx.auditLog.create({
    data: {
      ...actor,
      action: to === 'resolved' ? 'alert.resolve' : 'alert.acknowledge',
      entityType: 'Alert',
      entityId: alertId,
      before: { state: alert.state },
      after: { state: to, reason },
      createdAt: now,
    },
  });
  if (alert.nhiId) await refreshRiskScores(tx, realmId, now, { all: false, nhiIds: [alert.nhiId] });
  return 1;
}
