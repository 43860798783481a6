import type { RealmTx } from '@nhi/platform';

/**
 * Locks identities for the rest of the transaction, in id order so that two bulk edits over
 * overlapping sets cannot deadlock. What is read after this is what the change builds on.
 */
export async function lockNhis(tx: RealmTx, realmId: string, ids: readonly string[]): Promise<void> {
  const sorted = JSON.stringify([...new Set(ids)].sort());
  await tx.$queryRaw`
    SELECT id FROM "Nhi" /* whole realm: locks ids its caller has confined to the coverage already */
    WHERE "realmId" = ${realmId} AND id IN (SELECT jsonb_array_elements_text(${sorted}::jsonb))
    ORDER BY id
    FOR UPDATE`;
}
