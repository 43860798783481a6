import { ConflictError, type RealmTx } from '@nhi/platform';
import { diffSnapshots, type NhiSnapshot } from './nhi-change-log.ts';
import type { NhiDetail } from './nhi-detail.ts';

/** What a stale update answers: enough for the caller to show what changed and offer a choice. */
export interface NhiConflictDetails {
  [key: string]: unknown;
  currentVersion: number;
  /** Fields that differ between the version the caller saw and the current one. */
  changedFields: string[];
  current: NhiDetail;
}

export function nhiConflict(message: string, details: NhiConflictDetails): ConflictError {
  return new ConflictError(message, details);
}

/**
 * Compares the current state with the snapshot of the version the caller saw. When that version
 * is no longer kept, the fields named by the kept later versions are the best answer there is.
 */
export async function fieldsChangedSince(
  tx: RealmTx,
  nhiId: string,
  seenVersion: number,
  current: NhiSnapshot,
): Promise<string[]> {
  const seen = await tx.nhiVersion.findFirst({
    where: { nhiId, version: seenVersion },
    select: { snapshot: true },
  });
  if (seen) return Object.keys(diffSnapshots(seen.snapshot as NhiSnapshot, current)).sort();
  const later = await tx.nhiVersion.findMany({
    where: { nhiId, version: { gt: seenVersion } },
    select: { changes: true },
  });
  return [...new Set(later.flatMap((entry) => Object.keys(entry.changes as object)))].sort();
}
