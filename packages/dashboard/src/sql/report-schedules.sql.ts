import type { RealmTx } from '@nhi/platform';
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
