import type { RealmTx } from '@nhi/platform';

/**
 * Recomputes the credential columns of the given identities from their active credentials:
 * the oldest one's age (since last rotation, else creation at the provider, else when recorded),
 * the next expiry and the count. The inventory filters and sorts on these columns, so every
 * credential change (add, rotate, revoke, import, a scan's sync) calls this in its transaction.
 *
 * One statement for any number of identities. Each id is looked up on its own (LATERAL) through the
 * (realm, identity) index: with `IN (list)` the planner, before the tables are analysed, chose to read
 * every credential of the realm per batch, seconds for 5000 identities. Row-level security keeps it
 * in the realm; naming the realm's setting lets the index serve the lookup.
 */
export async function refreshCredentialSummary(tx: RealmTx, nhiIds: readonly string[]): Promise<void> {
  const ids = [...new Set(nhiIds)];
  if (ids.length === 0) return;
  // The ids travel as one JSON parameter: both drivers pass a text parameter the same way.
  const idsJson = JSON.stringify(ids);
  await tx.$executeRaw`
    UPDATE "Nhi" AS n /* whole realm: derived columns of identities a change has touched */ SET
      "oldestActiveCredentialAt" = s.oldest,
      "nextCredentialExpiresAt" = s.next_expiry,
      "activeCredentialCount" = s.active
    FROM jsonb_array_elements_text(${idsJson}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT min(coalesce(c."lastRotatedAt", c."providerCreatedAt", c."createdAt")) AS oldest,
        min(c."expiresAt") AS next_expiry,
        count(*)::int AS active
      FROM "Credential" AS c
      WHERE c."realmId" = current_setting('app.realm_id', true) AND c."nhiId" = target.id AND c.status = 'active'
    ) AS s
    WHERE n."realmId" = current_setting('app.realm_id', true) AND n.id = target.id`;
}
