import type { RealmTx } from '@nhi/platform';

/**
 * Evaluations of one realm take turns: each takes this lock (transaction-scoped) before anything
 * else. Without it an incremental evaluation and a full pass updated the same alerts, history
 * rows and scores in different orders and PostgreSQL broke the cycle by failing one of them
 * ("deadlock detected"). Anything else that changes many alerts of a realm at once takes it first
 * as well, so every such writer locks in the same order: this lock, then the rows.
 */
export async function lockRealmAlerts(tx: RealmTx, realmId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended(${`alert.realm:${realmId}`}, 0))) AS locked`;
}
