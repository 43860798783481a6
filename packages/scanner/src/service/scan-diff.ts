import {
  type Coverage,
  identityCovered,
  NotFoundError,
  ownerCovered,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { ScanDiffAlert, ScanDiffIdentity, ScanDiffPart, ScanDiffView } from '../api/scanner.schema.ts';
import type { ScanChangeKind } from '../sql/scan-changes.sql.ts';
import { identityCoverageOf } from './identity-coverage.ts';

/** The first identities and alerts of each part are listed; the count has them all. */
export const diffListLimit = 100;

interface IdentityRow extends Omit<ScanDiffIdentity, 'fields'> {
  fields: unknown;
}

interface AlertRow {
  id: string;
  ruleId: string;
  severity: string;
  state: string;
  subject: string;
  nhiId: string | null;
  nhiName: string | null;
  at: Date;
}

/**
 * What one scan changed: the identities it added, changed and no longer found (recorded while it
 * ran, see ScanChange), and the alerts that opened or resolved on identities its source reports
 * between its start and the start of the source's next scan: alerts are evaluated after a scan
 * finishes, not by it, so that window is what can be said of them. Only identities of the caller's
 * `nhi:read` coverage, and alerts about them, are counted and listed.
 */
@injectable()
export class ScanDiffService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  async ofScan(scanId: string): Promise<ScanDiffView> {
    const realmId = this.realmDb.realmId;
    const coverage = identityCoverageOf(this.permissions);
    return this.realmDb.transaction(async (tx) => {
      const scan = await tx.scan.findUnique({
        where: { id: scanId },
        select: { id: true, sourceId: true, state: true, startedAt: true, createdAt: true },
      });
      if (!scan) throw new NotFoundError('Scan', scanId);
      const part = (change: ScanChangeKind) => identitiesChanged(tx, realmId, scanId, change, coverage);
      const [added, changed, missing] = [await part('added'), await part('changed'), await part('missing')];
      const ran = scan.state !== 'queued' && scan.startedAt !== null;
      const from = scan.startedAt ?? scan.createdAt;
      const next = ran
        ? await tx.scan.findFirst({
            where: { sourceId: scan.sourceId, createdAt: { gt: scan.createdAt } },
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { startedAt: true, createdAt: true },
          })
        : null;
      const window = {
        sourceId: scan.sourceId,
        from,
        until: next ? (next.startedAt ?? next.createdAt) : null,
      };
      const none: ScanDiffPart<ScanDiffAlert> = { count: 0, items: [] };
      return {
        scanId,
        sourceId: scan.sourceId,
        added,
        changed,
        missing,
        alertsOpened: ran ? await alertsChanged(tx, realmId, window, 'opened', coverage) : none,
        alertsResolved: ran ? await alertsChanged(tx, realmId, window, 'resolved', coverage) : none,
      };
    });
  }
}

async function identitiesChanged(
  tx: RealmTx,
  realmId: string,
  scanId: string,
  change: ScanChangeKind,
  coverage: Coverage,
): Promise<ScanDiffPart<ScanDiffIdentity>> {
  const [total] = await tx.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM "ScanChange" AS c
    WHERE c."realmId" = ${realmId} AND c."scanId" = ${scanId} AND c.change = ${change}
      AND ${identityCovered(coverage, 'c')}`;
  const rows = await tx.$queryRaw<IdentityRow[]>`
    SELECT n.id, n.name, n.kind::text AS kind, n.provider::text AS provider, n."externalId", c.fields
    FROM "ScanChange" AS c JOIN "Nhi" AS n ON n."realmId" = c."realmId" AND n.id = c."nhiId"
    WHERE c."realmId" = ${realmId} AND c."scanId" = ${scanId} AND c.change = ${change}
      AND ${ownerCovered(coverage, 'n')}
    ORDER BY n.name, n.id LIMIT ${diffListLimit}`;
  return {
    count: total?.count ?? 0,
    items: rows.map((row) => ({
      ...row,
      fields: Array.isArray(row.fields) ? row.fields.filter((f): f is string => typeof f === 'string') : [],
    })),
  };
}

/**
 * Alerts whose history has an evaluation opening (new, or back after resolving) or resolving them in
 * the window, about identities the source reports or, for alerts about no identity, about a subject
 * the source holds a fact on. For a scoped caller, only alerts about an identity they cover.
 */
async function alertsChanged(
  tx: RealmTx,
  realmId: string,
  window: { sourceId: string; from: Date; until: Date | null },
  transition: 'opened' | 'resolved',
  coverage: Coverage,
): Promise<ScanDiffPart<ScanDiffAlert>> {
  const until = window.until ?? new Date('9999-12-31T00:00:00Z');
  const opened = transition === 'opened';
  const rows = await tx.$queryRaw<AlertRow[]>`
    SELECT a.id, a."ruleId", a.severity::text AS severity, a.state::text AS state, a.subject,
      a."nhiId", n.name AS "nhiName", max(e."createdAt") AS at
    FROM "AlertEvent" AS e
    JOIN "Alert" AS a ON a."realmId" = e."realmId" AND a.id = e."alertId"
    LEFT JOIN "Nhi" AS n ON n."realmId" = a."realmId" AND n.id = a."nhiId"
    WHERE e."realmId" = ${realmId} AND e."actorType" = 'system'
      AND e."createdAt" >= ${window.from} AND e."createdAt" < ${until}
      AND e."toState"::text = ${opened ? 'open' : 'resolved'}
      AND (${!opened} OR e."fromState" IS NULL OR e."fromState"::text = 'resolved')
      AND (
        EXISTS (SELECT 1 FROM "SourceItem" AS si WHERE si."realmId" = a."realmId"
          AND si."nhiId" = a."nhiId" AND si."sourceId" = ${window.sourceId})
        OR (a."nhiId" IS NULL AND EXISTS (SELECT 1 FROM "ScanFact" AS f WHERE f."realmId" = a."realmId"
          AND f."sourceId" = ${window.sourceId} AND f.subject = a.subject))
      )
      AND ${ownerCovered(coverage, 'n')}
    GROUP BY a.id, a."ruleId", a.severity, a.state, a.subject, a."nhiId", n.name
    ORDER BY at DESC, a.id`;
  return {
    count: rows.length,
    items: rows.slice(0, diffListLimit).map((row) => ({
      id: row.id,
      ruleId: row.ruleId,
      severity: row.severity,
      state: row.state,
      subject: row.subject,
      nhi: row.nhiId && row.nhiName ? { id: row.nhiId, name: row.nhiName } : null,
      at: row.at,
    })),
  };
}
