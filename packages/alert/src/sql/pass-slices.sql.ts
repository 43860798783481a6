import type { RealmTx } from '@nhi/platform';

/**
 * The identities of the next slice of a full pass, in id order after `after` (null: the first
 * slice). Every identity, deleted and inactive ones too: their alerts resolve in their slice.
 */
export async function nhiIdsOfNextSlice(
  tx: RealmTx,
  realmId: string,
  after: string | null,
  sliceSize: number,
): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Nhi" WHERE "realmId" = ${realmId} AND (${after}::text IS NULL OR id > ${after}::text)
    ORDER BY id LIMIT ${sliceSize}::int`;
  return rows.map((row) => row.id);
}
