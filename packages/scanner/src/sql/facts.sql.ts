import { emptySql, type RealmTx, type Sql, sql } from '@nhi/platform';

/** A fact to store; the credential is named by its hint (credentialKey) on the fact's identity. */
export interface ScanFactRow {
  nhiId: string | null;
  credentialKey: string | null;
  kind: string;
  subject: string;
  evidence: unknown;
}

/** Which facts a scan answers for: one source's facts of the input's kinds, as of the scan's time. */
export interface FactScope {
  sourceId: string;
  seenAt: Date;
  kinds: readonly string[];
  /**
   * Resources the scan could not read: facts whose evidence names one stay as they were. One ending
   * in `/` stands for every resource it begins.
   */
  unreadResources?: readonly string[];
}

/** `AND` the fact (alias `alias`) names no resource the scan could not read; nothing when it read all. */
function readResourceOnly(alias: Sql, unread: readonly string[] | undefined): Sql {
  if (!unread || unread.length === 0) return emptySql;
  return sql`AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(${JSON.stringify(unread)}::jsonb) AS unread(resource)
    WHERE ${alias}.evidence->>'resource' = unread.resource
      OR (right(unread.resource, 1) = '/' AND starts_with(${alias}.evidence->>'resource', unread.resource)))`;
}

/** A document as the string the statement casts back; null and undefined stay SQL NULL, as nested. */
const documentText = (value: unknown) =>
  value === null || value === undefined ? null : JSON.stringify(value);

/**
 * Inserts or refreshes facts of a source; firstSeenAt stays, lastSeenAt becomes `seenAt`. One
 * statement may not touch a row twice: the facts are unique by kind and subject.
 */
export async function upsertScanFacts(
  tx: RealmTx,
  realmId: string,
  source: { sourceId: string; seenAt: Date },
  facts: readonly ScanFactRow[],
): Promise<void> {
  // Evidence travels as a string, parsed once by the cast: nested, the server builds it inside the
  // batch's document and copies it out again (ADR 0057).
  const data = JSON.stringify(facts.map((fact) => ({ ...fact, evidence: documentText(fact.evidence) })));
  const { sourceId, seenAt } = source;
  await tx.$executeRaw`
    INSERT INTO "ScanFact" (id, "realmId", "nhiId", "credentialId", "sourceId", kind, subject, evidence,
      "firstSeenAt", "lastSeenAt")
    SELECT gen_random_uuid()::text, ${realmId}, r."nhiId",
      CASE WHEN r."credentialKey" IS NOT NULL THEN (SELECT c.id FROM "Credential" AS c /* whole realm: reconciliation of a scan, system code */
        WHERE c."nhiId" = r."nhiId" AND c.hint = r."credentialKey" AND c."realmId" = ${realmId}
        LIMIT 1) END,
      ${sourceId}, r.kind, r.subject, r.evidence::jsonb, ${seenAt}, ${seenAt}
    FROM jsonb_to_recordset(${data}::jsonb) AS r("nhiId" text, "credentialKey" text, kind text, subject text,
      evidence text)
    ON CONFLICT ("realmId", "sourceId", kind, subject) DO UPDATE SET "nhiId" = excluded."nhiId",
      "credentialId" = excluded."credentialId", evidence = excluded.evidence, "lastSeenAt" = excluded."lastSeenAt"`;
}

/** Deletes the scope's facts about these identities that were not reported (again) since `seenAt`. */
export async function deleteUnreportedFactsOf(
  tx: RealmTx,
  realmId: string,
  scope: FactScope,
  nhiIds: readonly string[],
): Promise<void> {
  const ids = JSON.stringify(nhiIds);
  const kinds = JSON.stringify(scope.kinds);
  // Each identity's facts through the (realm, identity) index (OFFSET 0 keeps the lookup per identity):
  // with `IN (list)` the planner, before the table is analysed, read all the source's facts once per
  // listed identity.
  await tx.$executeRaw`
    DELETE FROM "ScanFact" WHERE "realmId" = ${realmId} AND id IN (
      SELECT f.id FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
      CROSS JOIN LATERAL (
        SELECT x.id, x."sourceId", x."lastSeenAt", x.kind, x.evidence FROM "ScanFact" AS x
        WHERE x."realmId" = ${realmId} AND x."nhiId" = target.id OFFSET 0
      ) AS f
      WHERE f."sourceId" = ${scope.sourceId} AND f."lastSeenAt" < ${scope.seenAt}
        AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))
        ${readResourceOnly(sql`f`, scope.unreadResources)})`;
}

/** Deletes the scope's facts about no identity that were not reported (again) since `seenAt`. */
export async function deleteUnreportedLooseFacts(
  tx: RealmTx,
  realmId: string,
  scope: FactScope,
): Promise<void> {
  const kinds = JSON.stringify(scope.kinds);
  await tx.$executeRaw`
    DELETE FROM "ScanFact" AS f
    WHERE f."realmId" = ${realmId} AND f."sourceId" = ${scope.sourceId} AND f."nhiId" IS NULL
      AND f."lastSeenAt" < ${scope.seenAt} AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))
      ${readResourceOnly(sql`f`, scope.unreadResources)}`;
}

/**
 * Deletes the scope's facts not reported (again) since `seenAt` that are attached to identities the
 * source does not report itself (facts on its own identities are kept current with them).
 */
export async function deleteUnreportedFactsOnOthers(
  tx: RealmTx,
  realmId: string,
  scope: FactScope,
): Promise<void> {
  const kinds = JSON.stringify(scope.kinds);
  await tx.$executeRaw`
    DELETE FROM "ScanFact" AS f
    WHERE f."realmId" = ${realmId} AND f."sourceId" = ${scope.sourceId}
      AND f."nhiId" IS NOT NULL AND f."lastSeenAt" < ${scope.seenAt}
      AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))
      AND NOT EXISTS (SELECT 1 FROM "SourceItem" AS si WHERE si."realmId" = f."realmId"
        AND si."nhiId" = f."nhiId" AND si."sourceId" = f."sourceId")
      ${readResourceOnly(sql`f`, scope.unreadResources)}`;
}
