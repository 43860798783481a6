import {
  coveredOwnerWhere,
  NotFoundError,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { SourceType } from '../api/scanner.schema.ts';
import { identityCoverageOf } from './identity-coverage.ts';

/** The source an identity was found in, by name: what its page shows instead of the source's id. */
export interface SourceOfNhi {
  id: string;
  name: string;
  type: SourceType;
}

/**
 * A scan that saw the identity. first_seen: the scan that created it; changed: the last scan that
 * changed what the input reports about it (earlier changes are in the identity's versions); missing:
 * the scan that no longer found it; last_seen: the input's latest successful scan, which saw it
 * unchanged (an unchanged re-scan writes nothing).
 */
export interface ScanObservation {
  kind: 'first_seen' | 'changed' | 'missing' | 'last_seen';
  at: Date;
  scanId: string;
  input: string;
  source: SourceOfNhi;
}

export interface NhiScanObservations {
  /** null for identities made by hand or imported, or whose source was deleted. */
  source: SourceOfNhi | null;
  /** The newest first. */
  observations: ScanObservation[];
}

const sourceSelect = { id: true, name: true, type: true } as const;
const scanSelect = {
  id: true,
  input: true,
  startedAt: true,
  createdAt: true,
  source: { select: sourceSelect },
} as const;

type ScanRow = {
  id: string;
  input: string;
  startedAt: Date | null;
  createdAt: Date;
  source: SourceOfNhi;
};

const observed = (kind: ScanObservation['kind'], scan: ScanRow, at?: Date): ScanObservation => ({
  kind,
  at: at ?? scan.startedAt ?? scan.createdAt,
  scanId: scan.id,
  input: scan.input,
  source: scan.source,
});

/**
 * Which scans saw one identity, read from what reconciliation already keeps (ADR 0012): the
 * identity's first-seen time is the start of the scan that created it, each source item names the
 * last scan that wrote it, and a source's latest successful scan saw everything it still reports.
 */
@injectable()
export class ScanObservationsService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** An identity outside the caller's `nhi:read` coverage is not found, as another realm's. */
  async ofNhi(nhiId: string): Promise<NhiScanObservations> {
    return this.realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId, ...coveredOwnerWhere(identityCoverageOf(this.permissions)) },
        select: { sourceType: true, sourceRef: true, firstSeenAt: true },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      const fromScan = nhi.sourceType.startsWith('scan:') && nhi.sourceRef !== null;
      const source = fromScan
        ? await tx.source.findFirst({ where: { id: nhi.sourceRef as string }, select: sourceSelect })
        : null;
      const observations: ScanObservation[] = [];
      if (source) {
        const first = await tx.scan.findFirst({
          where: { sourceId: source.id, startedAt: nhi.firstSeenAt },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: scanSelect,
        });
        if (first) observations.push(observed('first_seen', first));
      }
      observations.push(...(await itemObservations(tx, nhiId)));
      return { source: source ?? null, observations: distinctNewestFirst(observations) };
    });
  }
}

/** Per source input reporting the identity: the scan that last wrote its item, and the latest that saw it. */
async function itemObservations(tx: RealmTx, nhiId: string): Promise<ScanObservation[]> {
  const items = await tx.sourceItem.findMany({
    where: { nhiId },
    select: { sourceId: true, input: true, missing: true, lastScanId: true, updatedAt: true },
  });
  const out: ScanObservation[] = [];
  for (const item of items) {
    const written = await tx.scan.findFirst({ where: { id: item.lastScanId }, select: scanSelect });
    if (written) out.push(observed(item.missing ? 'missing' : 'changed', written, item.updatedAt));
    if (item.missing) continue;
    const latest = await tx.scan.findFirst({
      where: { sourceId: item.sourceId, input: item.input, state: 'succeeded' },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      select: scanSelect,
    });
    if (latest && latest.id !== item.lastScanId) out.push(observed('last_seen', latest));
  }
  return out;
}

/** The scan that created an identity also wrote its item: it is shown once, as the first sighting. */
function distinctNewestFirst(observations: ScanObservation[]): ScanObservation[] {
  const firstScan = observations.find((o) => o.kind === 'first_seen')?.scanId;
  return observations
    .filter((o) => o.kind === 'first_seen' || o.kind === 'missing' || o.scanId !== firstScan)
    .sort((a, b) => b.at.getTime() - a.at.getTime() || a.scanId.localeCompare(b.scanId));
}
