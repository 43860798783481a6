import { type Coverage, identityCovered, joinSql, type RealmTx, type Sql, sql } from '@nhi/platform';
import type { DiscoveredLeak } from '../connectors/connector.ts';

/** A leak as a scan records it: the hit and the key of its location. */
export interface LeakRow extends DiscoveredLeak {
  locationKey: string;
}

/** A recorded leak whose fingerprint is an inventoried credential's. */
export interface LinkedLeak {
  credentialId: string;
  nhiId: string;
  fingerprint: string;
  file: string;
  line: number | null;
}

/** The scan that records leaks: its source, and when it saw them. */
export interface LeakScope {
  sourceId: string;
  scanId: string;
  seenAt: Date;
}

/**
 * Inserts the leaks, or moves lastSeenAt of those found before (and opens them again), linking each to
 * the credential with its fingerprint; returns the leaks that are linked.
 */
export async function upsertLeaks(
  tx: RealmTx,
  realmId: string,
  scope: LeakScope,
  leaks: readonly LeakRow[],
): Promise<LinkedLeak[]> {
  const data = JSON.stringify(leaks);
  const { sourceId, scanId, seenAt } = scope;
  return tx.$queryRaw<LinkedLeak[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${data}::jsonb) AS r(rule text, file text, line int, commit text,
        "maskedMatch" text, fingerprint text, "locationKey" text, "secretType" text, verification text)
    ), matched AS (
      /* whole realm: a scan matches what it found against every team's credentials */
      SELECT DISTINCT ON (i."locationKey", i.fingerprint) i.*, c.id AS "credentialId", c."nhiId"
      FROM input AS i
      LEFT JOIN "Credential" AS c ON c."realmId" = ${realmId} AND c.fingerprint = i.fingerprint
      ORDER BY i."locationKey", i.fingerprint, c.status, c.id
    ), written AS (
      INSERT INTO "Leak" (id, "realmId", "sourceId", "scanId", rule, file, line, commit, "maskedMatch", fingerprint,
        "locationKey", "credentialId", "nhiId", "secretType", verification, "firstSeenAt", "lastSeenAt")
      SELECT gen_random_uuid()::text, ${realmId}, ${sourceId}, ${scanId}, m.rule, m.file, m.line, m.commit,
        m."maskedMatch", m.fingerprint, m."locationKey", m."credentialId", m."nhiId", m."secretType", m.verification,
        ${seenAt}, ${seenAt}
      FROM matched AS m
      ON CONFLICT ("realmId", "sourceId", fingerprint, "locationKey") DO UPDATE SET "scanId" = excluded."scanId",
        "credentialId" = excluded."credentialId", "nhiId" = excluded."nhiId", "lastSeenAt" = excluded."lastSeenAt",
        "maskedMatch" = excluded."maskedMatch", "secretType" = excluded."secretType",
        -- A rescan that did not check the secret keeps what an earlier check found.
        verification = COALESCE(excluded.verification, "Leak".verification),
        "resolvedAt" = NULL, "resolvedByScanId" = NULL
      RETURNING "credentialId", "nhiId", fingerprint, file, line
    )
    SELECT * FROM written WHERE "credentialId" IS NOT NULL`;
}

/**
 * Sets the credential of the source's leak.credential_exposed facts with these subjects: leaks are
 * matched by fingerprint, not by hint, so the fact names its credential directly.
 */
export async function linkExposureFacts(
  tx: RealmTx,
  realmId: string,
  sourceId: string,
  links: readonly { credentialId: string; subject: string }[],
): Promise<void> {
  const ids = JSON.stringify(links.map((link) => [link.credentialId, link.subject]));
  await tx.$executeRaw`
    UPDATE "ScanFact" AS f SET "credentialId" = p.credential_id
    FROM (SELECT e->>0 AS credential_id, e->>1 AS subject FROM jsonb_array_elements(${ids}::jsonb) AS e) AS p
    WHERE f."realmId" = ${realmId} AND f."sourceId" = ${sourceId} AND f.kind = 'leak.credential_exposed' AND f.subject = p.subject`;
}

/**
 * Resolves, by this scan, the open leaks of the source that scans of the same input found before
 * `seenAt` and this one did not.
 */
export async function resolveLeaksNotFound(
  tx: RealmTx,
  realmId: string,
  scope: LeakScope & { input: string },
): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Leak" AS l /* whole realm: a scan resolves what its source no longer shows */
    SET "resolvedAt" = ${scope.seenAt}, "resolvedByScanId" = ${scope.scanId}
    FROM "Scan" AS s
    WHERE l."realmId" = ${realmId} AND l."sourceId" = ${scope.sourceId} AND l."resolvedAt" IS NULL
      AND l."lastSeenAt" < ${scope.seenAt} AND s."realmId" = ${realmId} AND s.id = l."scanId"
      AND s.input = ${scope.input}`;
}

/** A recorded leak as the leak list shows it (its identity's name is read apart). */
export interface LeakListRow {
  id: string;
  sourceId: string;
  rule: string;
  file: string;
  line: number | null;
  commit: string | null;
  maskedMatch: string;
  fingerprint: string;
  secretType: string | null;
  verification: string | null;
  nhiId: string | null;
  credentialId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  resolvedByScanId: string | null;
}

export interface LeakListFilter {
  sourceId?: string;
  state: 'all' | 'open' | 'resolved';
  limit: number;
}

/**
 * The latest leaks of the realm that `coverage` reaches: for a scoped reader, those whose identity
 * its teams own; leaks matched to no identity are the central team's (ADR 0040). The condition is
 * part of the statement, so `limit` counts visible leaks.
 */
export async function listLeakRows(
  tx: RealmTx,
  realmId: string,
  filter: LeakListFilter,
  coverage: Coverage,
): Promise<LeakListRow[]> {
  const covered = identityCovered(coverage, 'l');
  const and: Sql[] = [sql`TRUE`];
  if (filter.sourceId) and.push(sql`l."sourceId" = ${filter.sourceId}`);
  if (filter.state === 'open') and.push(sql`l."resolvedAt" IS NULL`);
  if (filter.state === 'resolved') and.push(sql`l."resolvedAt" IS NOT NULL`);
  return tx.$queryRaw<LeakListRow[]>`
    SELECT l.id, l."sourceId", l.rule, l.file, l.line, l.commit, l."maskedMatch", l.fingerprint, l."secretType",
      l.verification, l."nhiId", l."credentialId", l."firstSeenAt", l."lastSeenAt", l."resolvedAt", l."resolvedByScanId"
    FROM "Leak" AS l
    WHERE l."realmId" = ${realmId} AND ${covered} AND ${joinSql(and, ' AND ')}
    ORDER BY l."lastSeenAt" DESC, l.file ASC, l.line ASC
    LIMIT ${filter.limit}`;
}
