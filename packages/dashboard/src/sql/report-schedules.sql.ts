import { type RealmTx, sql } from '@nhi/platform';
import type { ReportCadence } from '../api/report-view.ts';

export interface DueSchedule {
  id: string;
  name: string;
  cadence: ReportCadence;
  channelId: string;
  recipients: string[];
  nextRunAt: Date;
}

/**
 * The realm's enabled schedules due at `now`, locked for the caller's transaction. Rows another
 * runner holds are skipped, not waited for: that runner sends them, and moves them on before it
 * lets go, so two hub processes never take the same one.
 */
export async function lockDueSchedules(
  tx: RealmTx,
  realmId: string,
  now: Date,
  batchSize: number,
): Promise<DueSchedule[]> {
  return tx.$queryRaw<DueSchedule[]>`
    SELECT s.id, s.name, s.cadence::text AS cadence, s."channelId", s.recipients, s."nextRunAt"
    FROM "ReportSchedule" AS s
    WHERE s."realmId" = ${realmId} AND s.enabled AND s."nextRunAt" <= ${now.toISOString()}::timestamp
    ORDER BY s."nextRunAt", s.id
    LIMIT ${batchSize}::int
    FOR UPDATE SKIP LOCKED`;
}

/** The outbox kind of a schedule's report for one period (the alert package's delivery leaves it alone). */
export const scheduledReportKind = 'report.scheduled';

/** What a queued report carries: the schedule and period it is for, and whom it goes to. */
export interface ScheduledReportPayload {
  scheduleId: string;
  scheduleName: string;
  /** The planned time of the period (ISO). */
  period: string;
  recipients: string[];
  /** The PostureReport its first attempt produced: later attempts send that one again. */
  reportId?: string;
}

/** A period's report claimed for sending. */
export interface ClaimedReport {
  id: string;
  channelId: string;
  payload: ScheduledReportPayload;
  attempts: number;
  /** The end of this claim's lease: it also tells this claim from a later one of the same row. */
  lockedUntil: Date;
}

/**
 * Claims one queued report that is due (pending and due, or sending with a lease that ran out) for
 * `leaseSeconds`. Rows another runner is claiming are skipped, so each report goes to one runner.
 */
export async function claimQueuedReport(
  tx: RealmTx,
  realmId: string,
  now: Date,
  leaseSeconds: number,
): Promise<ClaimedReport | undefined> {
  const at = now.toISOString();
  // Picked once (materialized): as a plain IN (subquery) the planner may run the pick again for
  // each row it updates, and a pick that skips the row this statement just took finds the next.
  const [claimed] = await tx.$queryRaw<ClaimedReport[]>`
    WITH picked AS MATERIALIZED (
      SELECT c.id FROM "AlertNotification" AS c
      WHERE c."realmId" = ${realmId} AND c.kind = ${scheduledReportKind}
        AND ((c.state = 'pending' AND c."nextAttemptAt" <= ${at}::timestamp)
          OR (c.state = 'sending' AND c."lockedUntil" <= ${at}::timestamp))
      ORDER BY c."nextAttemptAt", c.id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE "AlertNotification" AS n
    SET state = 'sending', "lockedUntil" = ${at}::timestamp + make_interval(secs => ${leaseSeconds}::int)
    FROM picked
    WHERE n."realmId" = ${realmId} AND n.id = picked.id
    RETURNING n.id, n."channelId", n.payload, n.attempts, n."lockedUntil"`;
  return claimed;
}

/** What one send made of a claimed report. */
export interface ReportOutcome {
  state: 'delivered' | 'pending' | 'dead';
  attempts: number;
  /** When it is due again, or null when delivered or dead. */
  next: Date | null;
  error: string | null;
}

/** The queued report's row, while this claim still holds it: a claim that ran out changes nothing. */
function claimHeld(claimed: ClaimedReport) {
  return sql`n.id = ${claimed.id} AND n.state = 'sending'
    AND n."lockedUntil" = ${claimed.lockedUntil.toISOString()}::timestamp`;
}

/**
 * Writes a send's outcome while the claim that sent it still holds the row (state and lease
 * unchanged): whether it did is the answer. After a lease ran out and another runner took the
 * report over, that runner's outcome counts.
 */
export async function recordReportOutcome(
  tx: RealmTx,
  realmId: string,
  claimed: ClaimedReport,
  outcome: ReportOutcome,
  now: Date,
): Promise<boolean> {
  const at = now.toISOString();
  const updated = await tx.$executeRaw`
    UPDATE "AlertNotification" AS n SET
      state = ${outcome.state}::"NotificationState",
      attempts = ${outcome.attempts}::int,
      "lockedUntil" = NULL,
      "deliveredAt" = CASE WHEN ${outcome.state}::text = 'delivered' THEN ${at}::timestamp ELSE n."deliveredAt" END,
      "lastError" = ${outcome.error}::text,
      "nextAttemptAt" = coalesce(${outcome.next?.toISOString() ?? null}::timestamp, n."nextAttemptAt")
    WHERE n."realmId" = ${realmId} AND ${claimHeld(claimed)}`;
  return updated === 1;
}

/** Drops a claimed report whose schedule is gone or disabled (while this claim holds it). */
export async function dropClaimedReport(tx: RealmTx, realmId: string, claimed: ClaimedReport): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM "AlertNotification" AS n
    WHERE n."realmId" = ${realmId} AND ${claimHeld(claimed)}`;
}

/**
 * Links the report a claim produced to the queued delivery (in the transaction that stored it),
 * while that claim still holds the row; a claim that ran out throws, so the report is not kept.
 */
export async function linkClaimedReport(
  tx: RealmTx,
  realmId: string,
  claimed: ClaimedReport,
  reportId: string,
): Promise<void> {
  const updated = await tx.$executeRaw`
    UPDATE "AlertNotification" AS n
    SET payload = jsonb_set(n.payload, '{reportId}', to_jsonb(${reportId}::text))
    WHERE n."realmId" = ${realmId} AND ${claimHeld(claimed)}`;
  if (updated !== 1) throw new Error('The claim on this report ran out before it was produced');
}
