import type { RealmTx } from '@nhi/platform';

/** What one input of a source last reported about an identity, with the identity's key. */
export interface PriorSourceItem {
  nhiId: string;
  contentHash: string;
  missing: boolean;
  provider: string;
  externalId: string;
}

/** Where a scan writes its source items: one input of one source, as of the scan's time. */
export interface SourceItemScope {
  sourceId: string;
  input: string;
  scanId: string;
  seenAt: Date;
}

/** Everything one input of a source reported before, with the provider and external id of each identity. */
export async function sourceItemsOfInput(
  tx: RealmTx,
  realmId: string,
  sourceId: string,
  input: string,
): Promise<PriorSourceItem[]> {
  return tx.$queryRaw<PriorSourceItem[]>`
    /* whole realm: reconciliation of a scan, system code */
    SELECT si."nhiId", si."contentHash", si.missing, n.provider::text AS provider, n."externalId"
    FROM "SourceItem" AS si JOIN "Nhi" AS n ON n."realmId" = si."realmId" AND n.id = si."nhiId"
    WHERE si."realmId" = ${realmId} AND si."sourceId" = ${sourceId} AND si.input = ${input}`;
}

/** Records what the input reported about these identities: their content hash, and that they are present. */
export async function upsertSourceItems(
  tx: RealmTx,
  realmId: string,
  scope: SourceItemScope,
  rows: readonly { nhiId: string; contentHash: string }[],
): Promise<void> {
  const items = JSON.stringify(rows);
  await tx.$executeRaw`
    INSERT INTO "SourceItem" ("realmId", "sourceId", input, "nhiId", "contentHash", missing, "lastScanId", "updatedAt")
    SELECT ${realmId}, ${scope.sourceId}, ${scope.input}, r."nhiId", r."contentHash", false,
      ${scope.scanId}, ${scope.seenAt}
    FROM jsonb_to_recordset(${items}::jsonb) AS r("nhiId" text, "contentHash" text)
    ON CONFLICT ("realmId", "sourceId", input, "nhiId") DO UPDATE SET "contentHash" = excluded."contentHash",
      missing = false, "lastScanId" = excluded."lastScanId", "updatedAt" = excluded."updatedAt"`;
}

/** Marks the input's items of these identities missing: the input no longer reports them. */
export async function markSourceItemsMissing(
  tx: RealmTx,
  realmId: string,
  scope: SourceItemScope,
  nhiIds: readonly string[],
): Promise<void> {
  const list = JSON.stringify(nhiIds);
  await tx.$executeRaw`
    UPDATE "SourceItem" SET missing = true, "lastScanId" = ${scope.scanId}, "updatedAt" = ${scope.seenAt}
    WHERE "realmId" = ${realmId} AND "sourceId" = ${scope.sourceId} AND input = ${scope.input}
      AND "nhiId" IN (SELECT jsonb_array_elements_text(${list}::jsonb))`;
}

/** Of these identities, those a source other than this one still reports (its item is not missing). */
export async function nhisReportedByOtherSources(
  tx: RealmTx,
  realmId: string,
  sourceId: string,
  nhiIds: readonly string[],
): Promise<string[]> {
  const ids = JSON.stringify(nhiIds);
  const rows = await tx.$queryRaw<{ nhiId: string }[]>`
    SELECT DISTINCT si."nhiId" FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT x."nhiId", x."sourceId", x.missing FROM "SourceItem" AS x
      WHERE x."realmId" = ${realmId} AND x."nhiId" = target.id OFFSET 0
    ) AS si
    WHERE NOT si.missing AND si."sourceId" <> ${sourceId}`;
  return rows.map((row) => row.nhiId);
}
