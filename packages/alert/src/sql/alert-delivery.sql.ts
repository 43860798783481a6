import type { RealmTx } from '@nhi/platform';
import type { AlertNotice } from '../service/alert-message.ts';

/** A notification claimed for sending. */
export interface ClaimedNotification {
  id: string;
  channelId: string;
  kind: string;
  payload: AlertNotice;
  recipient: string | null;
  attempts: number;
  /** The end of this claim's lease: it also tells this claim from a later one of the same row. */
  lockedUntil: Date;
}

/**
 * Claims a realm's due notifications (state `sending` with a lease), or the one `onlyId` whatever
 * its due time; a claim whose lease ran out is due again. Rows another worker is claiming are
 * skipped, so each notification goes to one worker. Scheduled posture reports (kind `report.*`)
 * share the outbox and its delivery log but are produced and sent by the dashboard's report job.
 */
export async function claimDue(
  tx: RealmTx,
  realmId: string,
  now: Date,
  options: { leaseSeconds: number; batchSize: number },
  onlyId?: string,
): Promise<ClaimedNotification[]> {
  const at = now.toISOString();
  const only = onlyId ?? null;
  return tx.$queryRaw<ClaimedNotification[]>`
    UPDATE "AlertNotification" AS n
    SET state = 'sending', "lockedUntil" = ${at}::timestamp + make_interval(secs => ${options.leaseSeconds}::int)
    WHERE n."realmId" = ${realmId} AND n.id IN (
      SELECT c.id FROM "AlertNotification" AS c
      WHERE c."realmId" = ${realmId}
        AND (${only}::text IS NULL OR c.id = ${only}::text) AND c.kind NOT LIKE 'report.%'
        AND ((c.state = 'pending' AND (c."nextAttemptAt" <= ${at}::timestamp OR ${only}::text IS NOT NULL))
          OR (c.state = 'sending' AND c."lockedUntil" <= ${at}::timestamp))
      ORDER BY c."nextAttemptAt", c.id
      LIMIT ${options.batchSize}::int
      FOR UPDATE SKIP LOCKED
    )
    RETURNING n.id, n."channelId", n.kind, n.payload, n.recipient, n.attempts, n."lockedUntil"`;
}

/** Gives claimed notifications back unsent (still this claim's): they are due again at once. */
export async function releaseClaims(
  tx: RealmTx,
  realmId: string,
  claimed: ClaimedNotification[],
): Promise<void> {
  if (claimed.length === 0) return;
  const ids = claimed.map((n) => n.id);
  const leases = claimed.map((n) => n.lockedUntil.toISOString());
  await tx.$executeRaw`
    UPDATE "AlertNotification" AS n SET state = 'pending', "lockedUntil" = NULL
    FROM unnest(${ids}::text[], ${leases}::timestamp[]) AS c(id, lease)
    WHERE n."realmId" = ${realmId} AND n.id = c.id AND n.state = 'sending' AND n."lockedUntil" = c.lease`;
}

/** What one send made of a claimed notification. */
export interface NotificationOutcome {
  id: string;
  /** The lease of the claim that sent it (ISO). */
  lease: string;
  attempts: number;
  state: 'delivered' | 'dead' | 'pending';
  /** When it is due again (ISO), or null when delivered. */
  next: string | null;
}

/**
 * Writes the outcomes of one send in one statement, whatever the size of its group: a notification
 * is updated only while the claim that sent it holds it (state and lease unchanged).
 */
export async function recordNotificationOutcomes(
  tx: RealmTx,
  realmId: string,
  rows: readonly NotificationOutcome[],
  now: Date,
  error: string | null,
): Promise<void> {
  const at = now.toISOString();
  await tx.$executeRaw`
    UPDATE "AlertNotification" AS n SET
      state = r.state::"NotificationState",
      attempts = r.attempts,
      "lockedUntil" = NULL,
      "deliveredAt" = CASE WHEN r.state = 'delivered' THEN ${at}::timestamp ELSE n."deliveredAt" END,
      "lastError" = ${error}::text,
      "nextAttemptAt" = coalesce(r.next, n."nextAttemptAt")
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.lease)}::timestamp[],
      ${rows.map((r) => r.attempts)}::int[], ${rows.map((r) => r.state)}::text[],
      ${rows.map((r) => r.next)}::timestamp[]) AS r(id, lease, attempts, state, next)
    WHERE n."realmId" = ${realmId} AND n.id = r.id AND n.state = 'sending' AND n."lockedUntil" = r.lease`;
}
