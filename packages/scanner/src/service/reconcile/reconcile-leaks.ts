import { createHash } from 'node:crypto';
import type { DiscoveredLeak } from '../../connectors/connector.ts';
import {
  type LinkedLeak,
  linkExposureFacts,
  resolveLeaksNotFound,
  upsertLeaks,
} from '../../sql/leaks.sql.ts';
import type { ReconcilePlan } from './reconcile-identities.ts';
import { upsertFacts } from './reconcile-identities.ts';

/** The subject of the leak.credential_exposed fact of a linked leak: the credential and the place. */
const exposureSubject = (leak: LinkedLeak) => `${leak.credentialId}|${leak.file}:${leak.line ?? ''}`;

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
    await plan.realmDb.transaction(async (tx) => {
      const linked = await upsertLeaks(
        tx,
        realmId,
        { sourceId: plan.sourceId, scanId: plan.scanId, seenAt },
        batch,
      );
      await upsertFacts(
        tx,
        plan,
        linked.map((leak) => ({
          nhiId: leak.nhiId,
          credentialKey: null,
          kind: 'leak.credential_exposed',
          subject: exposureSubject(leak),
          evidence: { file: leak.file, line: leak.line, credentialId: leak.credentialId },
        })),
      );
      if (linked.length > 0) {
        // The fact names its credential directly: leaks are matched by fingerprint, not by hint.
        await linkExposureFacts(
          tx,
          realmId,
          plan.sourceId,
          linked.map((leak) => ({ credentialId: leak.credentialId, subject: exposureSubject(leak) })),
        );
      }
    });
  }
  if (plan.complete) await resolveMissingLeaks(plan);
  return leaks.length;
}

/**
 * Leaks the previous scans of the same source and input found and this complete scan did not are
 * resolved, by this scan; a leak found again is open again (the upsert above clears the resolution).
 */
async function resolveMissingLeaks(plan: ReconcilePlan) {
  const { sourceId, scanId, input, sync } = plan;
  await plan.realmDb.transaction((tx) =>
    resolveLeaksNotFound(tx, sync.context.realm.id, { sourceId, scanId, input, seenAt: sync.seenAt }),
  );
}
