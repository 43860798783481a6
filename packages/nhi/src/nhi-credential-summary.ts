import type { RealmTx } from '@nhi/platform';

/**
 * Recomputes the credential columns of the given identities from their active credentials:
 * the oldest one's age (since last rotation, else creation at the provider, else when recorded),
 * the next expiry and the count. The inventory filters and sorts on these columns, so every
 * credential change (add, rotate, revoke, import) calls this in its transaction.
 * One statement for any number of identities; row-level security keeps it in the realm.
 */
export async function refreshCredentialSummary(tx: RealmTx, nhiIds: readonly string[]): Promise<void> {
  const ids = [...new Set(nhiIds)];
  if (ids.length === 0) return;
  // The ids travel as one JSON parameter: both drivers pass a text parameter the same way.
  const idsJson = JSON.stringify(ids);
  await tx.$executeRaw`
    UPDATE "Nhi" AS n SET
      "oldestActiveCredentialAt" = s.oldest,
      "nextCredentialExpiresAt" = s.next_expiry,
      "activeCredentialCount" = coalesce(s.active, 0)
    FROM (SELECT jsonb_array_elements_text(${idsJson}::jsonb) AS id) AS target
    LEFT JOIN (
      SELECT c."nhiId",
        min(coalesce(c."lastRotatedAt", c."providerCreatedAt", c."createdAt")) AS oldest,
        min(c."expiresAt") AS next_expiry,
        count(*)::int AS active
      FROM "Credential" AS c
      WHERE c.status = 'active'
        AND c."nhiId" IN (SELECT jsonb_array_elements_text(${idsJson}::jsonb))
      GROUP BY c."nhiId"
    ) AS s ON s."nhiId" = target.id
    WHERE n.id = target.id`;
}
