import type { NhiAlertEvent } from '@nhi/alert';
import type { NhiAuditEntry, NhiVersionEntry } from '@nhi/nhi';
import type { ScanObservation } from '@nhi/scanner';

/** One line of the identity's timeline, from whichever record it comes from. */
export type TimelineEntry = { key: string; at: Date } & (
  | { type: 'scan'; observation: ScanObservation }
  | { type: 'version'; entry: NhiVersionEntry }
  | { type: 'credential'; entry: NhiAuditEntry }
  | { type: 'alert'; event: NhiAlertEvent }
);

export interface TimelineSources {
  history: NhiVersionEntry[];
  audit: NhiAuditEntry[];
  observations: ScanObservation[];
  alertEvents: NhiAlertEvent[];
}

/** At one instant, the cause before its effects: the scan, then the change it made, then the alert. */
const typeOrder: Record<TimelineEntry['type'], number> = { alert: 0, credential: 1, version: 2, scan: 3 };

/**
 * Scans that saw the identity, its versions, its credentials' changes (versions cover the
 * identity's own fields only) and its alerts' transitions, as one list, newest first.
 */
export function timelineOf(sources: TimelineSources): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...sources.observations.map((observation) => ({
      type: 'scan' as const,
      key: `scan-${observation.kind}-${observation.scanId}-${observation.input}`,
      at: observation.at,
      observation,
    })),
    ...sources.history.map((entry) => ({
      type: 'version' as const,
      key: `version-${entry.version}`,
      at: entry.createdAt,
      entry,
    })),
    ...sources.audit
      .filter((entry) => entry.entityType === 'Credential')
      .map((entry) => ({
        type: 'credential' as const,
        key: `audit-${entry.id}`,
        at: entry.createdAt,
        entry,
      })),
    ...sources.alertEvents.map((event, index) => ({
      type: 'alert' as const,
      key: `alert-${event.alertId}-${event.createdAt.getTime()}-${index}`,
      at: event.createdAt,
      event,
    })),
  ];
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime() || typeOrder[a.type] - typeOrder[b.type]);
}

/** A version written by a scan names it: its actor is the system part `scan:<scan id>`. */
export function scanIdOfActor(actor: { type: string; id: string | null }): string | null {
  if (actor.type !== 'system' || !actor.id?.startsWith('scan:')) return null;
  const id = actor.id.slice('scan:'.length);
  return /^[0-9a-f-]{36}$/i.test(id) ? id : null;
}
