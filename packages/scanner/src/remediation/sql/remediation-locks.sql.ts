import type { RealmTx } from '@nhi/platform';

/**
 * Holds the identity's row until the transaction ends, so two requests for it take turns: the
 * second sees the first one's action and is refused as a duplicate.
 */
export async function lockIdentityForRemediation(tx: RealmTx, realmId: string, nhiId: string): Promise<void> {
  await tx.$queryRaw`
    /* whole realm: a lock on one identity the service has already found within the caller's coverage */
    SELECT n.id FROM "Nhi" AS n WHERE n."realmId" = ${realmId} AND n.id = ${nhiId} FOR UPDATE`;
}
