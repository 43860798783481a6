import type { RealmTx } from '@nhi/platform';
import type { OwnershipValues } from '../service/owner-suggestion-rules.ts';

export interface UnownedIdentityValues extends OwnershipValues {
  id: string;
}

/**
 * A page of the realm's live identities that nobody owns, in id order after `afterId`, with only the
 * metadata the ownership rules read (not the whole document: an AWS role's holds its policies).
 */
export function unownedIdentityValues(
  tx: RealmTx,
  realmId: string,
  afterId: string,
  limit: number,
): Promise<UnownedIdentityValues[]> {
  return tx.$queryRaw<UnownedIdentityValues[]>`
    SELECT id, tags, provider::text AS provider,
      metadata -> 'authorization' -> 'tags' AS "awsTags",
      metadata -> 'kubernetes' -> 'labels' AS "labels",
      metadata -> 'kubernetes' -> 'annotations' AS "annotations",
      metadata -> 'kubernetes' -> 'namespaceLabels' AS "namespaceLabels",
      metadata -> 'kubernetes' -> 'namespaceAnnotations' AS "namespaceAnnotations"
    FROM "Nhi"
    WHERE "realmId" = ${realmId} AND "deletedAt" IS NULL
      AND "ownerUserId" IS NULL AND "ownerGroupId" IS NULL AND id > ${afterId}
    ORDER BY id
    LIMIT ${limit}`;
}

/**
 * Pending suggestions of identities that have an owner now (set by a person, or by accepting another
 * suggestion) or were deleted: they are moot, and never overwrite that owner.
 */
export function deleteMootSuggestions(tx: RealmTx, realmId: string): Promise<number> {
  return tx.$executeRaw`
    DELETE FROM "OwnerSuggestion" s
    USING "Nhi" n
    WHERE s."realmId" = ${realmId} AND n."realmId" = ${realmId} AND n.id = s."nhiId"
      AND s.state = 'pending'
      AND (n."ownerUserId" IS NOT NULL OR n."ownerGroupId" IS NOT NULL OR n."deletedAt" IS NOT NULL)`;
}
