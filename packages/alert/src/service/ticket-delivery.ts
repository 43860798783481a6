import type { RealmDb } from '@nhi/platform';
import type { ClaimedNotification } from '../sql/alert-delivery.sql.ts';
import { type AlertNotice, linkOf } from './alert-message.ts';
import type { SendOutcome } from './alert-senders.ts';
import { type TrackerClient, TrackerError, type TrackerSecret, trackerClient } from './tracker-clients.ts';

export const trackerChannelTypes = ['jira', 'servicenow'] as const;
export type TrackerType = (typeof trackerChannelTypes)[number];
export const isTracker = (type: string): type is TrackerType =>
  (trackerChannelTypes as readonly string[]).includes(type);

/** The payload of ticket.* notifications: the ticket row, and for updates what happened to the alert. */
export type TicketPayload = AlertNotice & { ticketId: string; fingerprint?: string; reason?: string };

export interface TrackerTarget {
  type: TrackerType;
  settings: Record<string, unknown>;
  secret: TrackerSecret;
}

interface Links {
  hubUrl?: string;
  realmSlug?: string;
}

/**
 * Delivers one ticket.* notification: `ticket.create` opens the ticket (after asking the tracker
 * for one carrying the fingerprint's tag, so a create whose answer was lost is found, not made
 * twice), `ticket.resolve` comments and moves it to done, `ticket.comment` comments. A channel's
 * "send test" only searches, to prove the address and the credential. The ticket row gets the
 * tracker's id, key, link and status.
 */
export async function deliverTicket(
  realmDb: RealmDb,
  target: TrackerTarget,
  notification: ClaimedNotification,
  links: Links,
  now: Date,
): Promise<SendOutcome> {
  const client = trackerClient(target.type, target.settings, target.secret);
  try {
    if (notification.kind === 'test') {
      await client.updatedSince(null, null);
      return { ok: true };
    }
    return await apply(realmDb, client, notification, links, now);
  } catch (error) {
    if (error instanceof TrackerError) return { ok: false, status: error.status, error: error.message };
    return { ok: false, error: (error instanceof Error ? error.message : String(error)).slice(0, 500) };
  }
}

async function apply(
  realmDb: RealmDb,
  client: TrackerClient,
  notification: ClaimedNotification,
  links: Links,
  now: Date,
): Promise<SendOutcome> {
  const payload = notification.payload as TicketPayload;
  const ticket = await realmDb.transaction((tx) =>
    tx.alertTicket.findFirst({
      where: { id: payload.ticketId },
      select: { id: true, fingerprint: true, externalId: true },
    }),
  );
  if (!ticket) return { ok: false, error: 'The ticket no longer exists' };
  if (notification.kind === 'ticket.create') {
    if (ticket.externalId) return { ok: true };
    const made =
      (await client.find(ticket.fingerprint)) ??
      (await client.create({ notice: payload, fingerprint: ticket.fingerprint, ...links }));
    await realmDb.transaction((tx) =>
      tx.alertTicket.update({
        where: { id: ticket.id },
        data: {
          externalId: made.externalId,
          externalKey: made.externalKey,
          url: made.url,
          status: made.status,
          done: made.done,
          lastSyncedAt: now,
          updatedAt: now,
        },
      }),
    );
    return { ok: true, status: 201 };
  }
  // An update before the create went through waits its turn with the retries.
  if (!ticket.externalId) return { ok: false, error: 'The ticket is not created yet' };
  const link = linkOf(payload, links.hubUrl, links.realmSlug);
  const text = [
    notification.kind === 'ticket.resolve'
      ? 'The alert is resolved in NHI Hub'
      : 'The alert is open again in NHI Hub',
    payload.reason ? `: ${payload.reason}` : '',
    link ? ` (${link})` : '',
  ].join('');
  if (notification.kind === 'ticket.resolve') await client.close(ticket.externalId, text);
  else await client.comment(ticket.externalId, text);
  return { ok: true };
}
