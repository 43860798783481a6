import { createHash } from 'node:crypto';
import type { DiscoveredLeak } from '../connectors/connector.ts';
import type { ReconcilePlan } from './reconcile-identities.ts';
import { upsertFacts } from './reconcile-identities.ts';

export function locationKey(leak: DiscoveredLeak): string {
  return createHash('sha256')
    .update(JSON.stringify([leak.rule, leak.file, leak.line, leak.commit]))
    .digest('base64url');
}

/**
 * Records the leaks of a scan: the same hit found again is the same leak (lastSeenAt moves). A leak
 * whose fingerprint is an inventoried credential's links to it, and that identity gets a
 * leak.credential_exposed fact. A complete scan resolves the leaks it no longer finds. Returns how
 * many leaks the scan found.
 */
export async function reconcileLeaks(plan: ReconcilePlan, leaks: readonly DiscoveredLeak[]): Promise<number> {
  const realmId = plan.sync.context.realm.id;
  const seenAt = plan.sync.seenAt;
  for (let start = 0; start < leaks.length; start += plan.batchSize) {
    await plan.checkpoint();
    const batch = leaks
      .slice(start, start + plan.batchSize)
      .map((leak) => ({ ...leak, locationKey: locationKey(leak) }));
    const data = JSON.stringify(batch);
    await plan.realmDb.transaction(async (tx) => {
      const linked = await tx.$queryRaw<
        { credentialId: string; nhiId: string; fingerprint: string; file: string; line: number | null }[]
      >`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${data}::jsonb) AS r(rule text, file text, line int, commit text,
            "maskedMatch" text, fingerprint text, "locationKey" text, "secretType" text, verification text)
        ), matched AS (
          SELECT DISTINCT ON (i."locationKey", i.fingerprint) i.*, c.id AS "credentialId", c."nhiId"
          FROM input AS i
          LEFT JOIN "Credential" AS c ON c."realmId" = ${realmId} AND c.fingerprint = i.fingerprint
          ORDER BY i."locationKey", i.fingerprint, c.status, c.id
        ), written AS (
          INSERT INTO "Leak" (id, "realmId", "sourceId", "scanId", rule, file, line, commit, "maskedMatch", fingerprint,
            "locationKey", "credentialId", "nhiId", "secretType", verification, "firstSeenAt", "lastSeenAt")
          SELECT gen_random_uuid()::text, ${realmId}, ${plan.sourceId}, ${plan.scanId}, m.rule, m.file, m.line, m.commit,
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
      await upsertFacts(
        tx,
        plan,
        linked.map((leak) => ({
          nhiId: leak.nhiId,
          credentialKey: null,
          kind: 'leak.credential_exposed',
          subject: `${leak.credentialId}|${leak.file}:${leak.line ?? ''}`,
          evidence: { file: leak.file, line: leak.line, credentialId: leak.credentialId },
        })),
      );
      if (linked.length > 0) {
        const ids = JSON.stringify(
          linked.map((leak) => [leak.credentialId, `${leak.credentialId}|${leak.file}:${leak.line ?? ''}`]),
        );
        // The fact names its credential directly: leaks are matched by fingerprint, not by hint.
        await tx.$executeRaw`
          UPDATE "ScanFact" AS f SET "credentialId" = p.credential_id
          FROM (SELECT e->>0 AS credential_id, e->>1 AS subject FROM jsonb_array_elements(${ids}::jsonb) AS e) AS p
          WHERE f."realmId" = ${realmId} AND f."sourceId" = ${plan.sourceId} AND f.kind = 'leak.credential_exposed' AND f.subject = p.subject`;
      }
    });
  }
  if (plan.complete) await resolveLeaksNotFound(plan);
  return leaks.length;
}

/**
 * Leaks the previous scans of the same source and input found and this complete scan did not are
 * resolved, by this scan; a leak found again is open again (the upsert above clears the resolution).
 */
async function resolveLeaksNotFound(plan: ReconcilePlan) {
  const realmId = plan.sync.context.realm.id;
  await plan.realmDb.transaction(
    (tx) => tx.$executeRaw`
      UPDATE "Leak" AS l SET "resolvedAt" = ${plan.sync.seenAt}, "resolvedByScanId" = ${plan.scanId}
      FROM "Scan" AS s
      WHERE l."realmId" = ${realmId} AND l."sourceId" = ${plan.sourceId} AND l."resolvedAt" IS NULL
        AND l."lastSeenAt" < ${plan.sync.seenAt} AND s."realmId" = ${realmId} AND s.id = l."scanId"
        AND s.input = ${plan.input}`,
  );
}
