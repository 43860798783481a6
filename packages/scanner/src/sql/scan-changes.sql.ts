import type { RealmTx } from '@nhi/platform';

export const scanChangeKinds = ['added', 'changed', 'missing'] as const;
export type ScanChangeKind = (typeof scanChangeKinds)[number];

/** What one scan changed about one identity; `fields` names what changed (see ScanChange). */
export interface ScanChangeRow {
  nhiId: string;
  change: ScanChangeKind;
  fields: string[];
}

/**
 * The kind and subject of the facts a source holds about these identities, of these kinds, with the
 * resource their evidence names (null when none).
 */
export async function factKeysOf(
  tx: RealmTx,
  realmId: string,
  scope: { sourceId: string; kinds: readonly string[] },
  nhiIds: readonly string[],
): Promise<{ nhiId: string; kind: string; subject: string; resource: string | null }[]> {
  if (nhiIds.length === 0) return [];
  const ids = JSON.stringify(nhiIds);
  const kinds = JSON.stringify(scope.kinds);
  return tx.$queryRaw<{ nhiId: string; kind: string; subject: string; resource: string | null }[]>`
    SELECT f."nhiId", f.kind, f.subject, f.evidence->>'resource' AS resource
    FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT x."nhiId", x."sourceId", x.kind, x.subject, x.evidence FROM "ScanFact" AS x
      WHERE x."realmId" = ${realmId} AND x."nhiId" = target.id OFFSET 0
    ) AS f
    WHERE f."sourceId" = ${scope.sourceId} AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))`;
}

/** Records what a scan changed; a re-run of the scan after a crash writes the same rows again. */
export async function insertScanChanges(
  tx: RealmTx,
  realmId: string,
  scanId: string,
  rows: readonly ScanChangeRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const data = JSON.stringify(rows);
  await tx.$executeRaw`
    INSERT INTO "ScanChange" ("realmId", "scanId", "nhiId", change, fields)
    SELECT ${realmId}, ${scanId}, r."nhiId", r.change, r.fields
    FROM jsonb_to_recordset(${data}::jsonb) AS r("nhiId" text, change text, fields jsonb)
    ON CONFLICT ("realmId", "scanId", "nhiId") DO UPDATE SET change = excluded.change, fields = excluded.fields`;
}
