import { type RealmTx, type Sql, sql } from '@nhi/platform';
import { ticketNotice } from './alert-outbox.sql.ts';

/**
 * Inserts the tickets of these alerts on the tracker channel, one per fingerprint (the alerts of
 * one fingerprint share it), and queues a `ticket.create` for each ticket row it inserted, in the
 * caller's transaction. A fingerprint that has its ticket already, from this call, an earlier one,
 * the routing rule or another caller at the same moment, inserts and queues nothing: the unique
 * key on (realm, channel, fingerprint) decides, and a concurrent insert waits for the other to end.
 */
export async function queueTicketCreates(
  tx: RealmTx,
  realmId: string,
  channelId: string,
  alertIds: readonly string[],
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  const [row] = await tx.$queryRaw<{ queued: number }[]>`
    WITH ticketed AS (
      INSERT INTO "AlertTicket" (id, "realmId", "channelId", "alertId", fingerprint, "createdAt", "updatedAt")
      SELECT DISTINCT ON (a.fingerprint) gen_random_uuid()::text, ${realmId}, ${channelId}, a.id,
        a.fingerprint, ${at}::timestamp, ${at}::timestamp
      FROM "Alert" AS a /* whole realm: the service checked these alerts against the caller's coverage */
      WHERE a."realmId" = ${realmId} AND a.id = ANY (${[...alertIds]}::text[])
      ORDER BY a.fingerprint, a.id
      ON CONFLICT ("realmId", "channelId", fingerprint) DO NOTHING
      RETURNING id, "channelId", "alertId"
    ),
    queued AS (
      INSERT INTO "AlertNotification" (id, "realmId", "channelId", "alertId", kind, payload, "nextAttemptAt", "createdAt")
      SELECT gen_random_uuid()::text, ${realmId}, t."channelId", a.id, 'ticket.create',
        ${ticketNotice(sqlTime(at))}, ${at}::timestamp, ${at}::timestamp
      FROM ticketed AS t
      JOIN "Alert" AS a ON a."realmId" = ${realmId} AND a.id = t."alertId"
      LEFT JOIN "Nhi" AS n ON n."realmId" = ${realmId} AND n.id = a."nhiId"
      LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
      LEFT JOIN "PolicyGroup" AS g ON g."realmId" = ${realmId} AND g.id = n."ownerGroupId"
      RETURNING 1
    )
    SELECT count(*)::int AS queued FROM queued`;
  return row?.queued ?? 0;
}

const sqlTime = (at: string): Sql => sql`${at}::timestamp`;

/**
 * Queues, for the alerts' history entries since `since` that resolved or reopened an alert with a
 * ticket, what the tracker should hear: `ticket.resolve` (a comment and the move to done) unless
 * the ticket is done already (closing it is what resolved the alert), `ticket.comment` for a reopen.
 * One notification per entry and tracker (the outbox's unique key), so running it twice queues
 * nothing more. Entries from before the ticket existed are not news for it.
 */
export async function queueTicketUpdates(
  tx: RealmTx,
  realmId: string,
  since: Date,
  now: Date,
  alertIds?: readonly string[],
): Promise<number> {
  const at = now.toISOString();
  const only = alertIds ? [...alertIds] : null;
  return tx.$executeRaw`
    INSERT INTO "AlertNotification" (id, "realmId", "channelId", "alertId", "eventId", kind, payload,
      "nextAttemptAt", "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, t."channelId", t."alertId", e.id,
      CASE WHEN e."toState" = 'resolved' THEN 'ticket.resolve' ELSE 'ticket.comment' END,
      jsonb_build_object('alertId', t."alertId", 'ticketId', t.id, 'state', e."toState", 'reason', e.reason,
        'at', e."createdAt"),
      ${at}::timestamp, ${at}::timestamp
    FROM "AlertTicket" AS t
    JOIN "AlertChannel" AS ch ON ch."realmId" = ${realmId} AND ch.id = t."channelId" AND ch.enabled
    JOIN "AlertEvent" AS e /* whole realm: system bookkeeping of tickets, whoever changed the alert */
      ON e."realmId" = ${realmId} AND e."alertId" = t."alertId"
      AND e."createdAt" >= ${since.toISOString()}::timestamp AND e."createdAt" >= t."createdAt"
    WHERE t."realmId" = ${realmId}
      AND (${only}::text[] IS NULL OR t."alertId" = ANY (${only}::text[]))
      AND e.kind = 'state' AND e."fromState" IS NOT NULL AND e."fromState" <> e."toState"
      AND ((e."toState" = 'resolved' AND NOT t.done) OR (e."toState" = 'open' AND e."fromState" = 'resolved'))
    ON CONFLICT ("realmId", "eventId", "channelId") DO NOTHING`;
}

/** The tickets of an alert for its page, with the tracker's name and type. */
export interface AlertTicketView {
  id: string;
  channelId: string;
  channelName: string;
  trackerType: 'jira' | 'servicenow';
  externalKey: string | null;
  url: string | null;
  status: string | null;
  done: boolean;
  lastSyncedAt: Date | null;
  createdAt: Date;
}

/**
 * Points the channel's stored ticket links at the tracker's new address: a link that starts with
 * the old address (followed by a path) gets the new one in its place, the rest of it (the ticket's
 * key or sys_id) unchanged. Addresses come without trailing slashes; links elsewhere are left alone.
 */
export function moveTicketLinks(
  tx: RealmTx,
  realmId: string,
  channelId: string,
  from: string,
  to: string,
  now: Date,
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "AlertTicket"
    SET url = ${to}::text || substr(url, length(${from}::text) + 1), "updatedAt" = ${now.toISOString()}::timestamp
    WHERE "realmId" = ${realmId} AND "channelId" = ${channelId}
      AND starts_with(url, ${from}::text || '/')`;
}
