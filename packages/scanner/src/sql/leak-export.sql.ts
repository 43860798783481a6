import { type Coverage, identityCovered, type RealmQuery, type Sql, sql } from '@nhi/platform';

/** A leak as an export writes it: where it was found and by what, never the secret itself. */
export interface LeakExportRow {
  id: string;
  rule: string;
  file: string;
  line: number | null;
  commit: string | null;
  /** The secret masked as stored: at most four characters at each end. */
  maskedMatch: string;
  fingerprint: string;
  secretType: string | null;
  verification: string | null;
  credentialId: string | null;
  nhiId: string | null;
  nhiName: string | null;
  sourceName: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

export type LeakExportStatus = 'open' | 'resolved' | 'all';

function statusCondition(status: LeakExportStatus): Sql {
  if (status === 'open') return sql`l."resolvedAt" IS NULL`;
  if (status === 'resolved') return sql`l."resolvedAt" IS NOT NULL`;
  return sql`TRUE`;
}

/**
 * The next `limit` leaks after the leak `after` (null: from the start), in id order, that
 * `coverage` reaches (the leak list's rule: a scoped reader sees the leaks of its teams'
 * identities). An export reads them batch after batch by the (realm, id) key.
 */
export function readLeakExportBatch(
  query: RealmQuery,
  realmId: string,
  status: LeakExportStatus,
  coverage: Coverage,
  page: { after: string | null; limit: number },
): Promise<LeakExportRow[]> {
  return query<LeakExportRow>(sql`
    SELECT l.id, l.rule, l.file, l.line, l.commit, l."maskedMatch", l.fingerprint, l."secretType", l.verification,
      l."credentialId", l."nhiId", n.name AS "nhiName", s.name AS "sourceName", l."firstSeenAt", l."lastSeenAt",
      l."resolvedAt"
    FROM "Leak" AS l
    JOIN "Source" AS s ON s."realmId" = l."realmId" AND s.id = l."sourceId"
    LEFT JOIN "Nhi" AS n ON n."realmId" = l."realmId" AND n.id = l."nhiId"
    WHERE l."realmId" = ${realmId} AND ${statusCondition(status)} AND ${identityCovered(coverage, 'l')}
      AND (${page.after}::text IS NULL OR l.id > ${page.after})
    ORDER BY l.id
    LIMIT ${page.limit}`);
}

/** The detectors that found the leaks an export will write: the SARIF run lists them first. */
export function readLeakExportRules(
  query: RealmQuery,
  realmId: string,
  status: LeakExportStatus,
  coverage: Coverage,
): Promise<{ rule: string }[]> {
  return query<{ rule: string }>(sql`
    SELECT DISTINCT l.rule FROM "Leak" AS l
    WHERE l."realmId" = ${realmId} AND ${statusCondition(status)} AND ${identityCovered(coverage, 'l')}
    ORDER BY l.rule`);
}
