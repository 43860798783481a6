import { NotFoundError, type RealmTx } from '@nhi/platform';

/**
 * The owner team of one live identity of the realm: all the policy domain reads of the inventory,
 * to answer explain and who-can about it. An identity of another realm, or deleted, is NOT_FOUND.
 */
export async function identityOwner(
  tx: RealmTx,
  realmId: string,
  nhiId: string,
): Promise<{ ownerGroupId: string | null }> {
  const [row] = await tx.$queryRaw<{ ownerGroupId: string | null }[]>`
    SELECT "ownerGroupId" FROM "Nhi"
    WHERE "realmId" = ${realmId} AND id = ${nhiId} AND "deletedAt" IS NULL`;
  if (!row) throw new NotFoundError('Nhi', nhiId);
  return row;
}
