import type { SourcedCredential } from '@nhi/nhi';
import { type RealmTx, sql } from '@nhi/platform';

/** An identity as sources name it. */
export interface IdentityKey {
  provider: string;
  externalId: string;
}

/** An identity's key as one string, for maps and sets. */
export const identityKeyOf = (identity: IdentityKey) => `${identity.provider}\u0000${identity.externalId}`;

/** The realm's stored identities (`n`) among these keys (`k`), matched in one statement. */
function storedAmong(realmId: string, identities: readonly IdentityKey[]) {
  const keys = JSON.stringify(identities.map((identity) => [identity.provider, identity.externalId]));
  return sql`/* whole realm: reconciliation of a scan matches the source's keys, system code */
    (SELECT e->>0 AS provider, e->>1 AS external_id FROM jsonb_array_elements(${keys}::jsonb) AS e) AS k
    JOIN "Nhi" AS n ON n."realmId" = ${realmId} AND n.provider = k.provider::"NhiProvider"
      AND n."externalId" = k.external_id`;
}

/** A stored credential of an identity, with the key of the identity it belongs to. */
export interface KeptCredential extends IdentityKey {
  hint: string;
  kind: SourcedCredential['kind'];
  fingerprint: string | null;
  providerCreatedAt: Date | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: SourcedCredential['status'];
}

/**
 * The unrevoked credentials of these identities that this source may not revoke: the identity is
 * also reported by another source, and this source never recorded a fact about the credential or
 * another source did.
 */
export async function credentialsOtherSourcesKeep(
  tx: RealmTx,
  realmId: string,
  sourceId: string,
  identities: readonly IdentityKey[],
): Promise<KeptCredential[]> {
  return tx.$queryRaw<KeptCredential[]>`
    /* whole realm: reconciliation of a scan, system code */
    SELECT n.provider::text AS provider, n."externalId", c.hint, c.kind::text AS kind, c.fingerprint,
      c."providerCreatedAt", c."lastRotatedAt", c."expiresAt", c."lastUsedAt", c.status::text AS status
    FROM ${storedAmong(realmId, identities)}
    CROSS JOIN LATERAL (
      SELECT * FROM "Credential" AS x WHERE x."realmId" = ${realmId} AND x."nhiId" = n.id OFFSET 0
    ) AS c
    WHERE c.status <> 'revoked' AND c.hint IS NOT NULL
      AND EXISTS (SELECT 1 FROM "SourceItem" AS si WHERE si."realmId" = ${realmId} AND si."nhiId" = n.id
        AND si."sourceId" <> ${sourceId} AND NOT si.missing)
      AND (
        NOT EXISTS (SELECT 1 FROM "ScanFact" AS f WHERE f."realmId" = ${realmId} AND f."nhiId" = n.id
          AND f."credentialId" = c.id AND f."sourceId" = ${sourceId})
        OR EXISTS (SELECT 1 FROM "ScanFact" AS f WHERE f."realmId" = ${realmId} AND f."nhiId" = n.id
          AND f."credentialId" = c.id AND f."sourceId" <> ${sourceId}))`;
}

/** Of these identities, the live ones of the inventory (not deleted, not missing from their source). */
export async function liveIdentities(
  tx: RealmTx,
  realmId: string,
  identities: readonly IdentityKey[],
): Promise<({ id: string } & IdentityKey)[]> {
  return tx.$queryRaw<({ id: string } & IdentityKey)[]>`
    /* whole realm: reconciliation of a scan, system code */
    SELECT n.id, n.provider::text AS provider, n."externalId"
    FROM ${storedAmong(realmId, identities)}
    WHERE n."deletedAt" IS NULL AND n.status <> 'missing_from_source'`;
}

/** The stored permissions document of each of these identities the inventory holds. */
export async function storedPermissions(
  tx: RealmTx,
  realmId: string,
  identities: readonly IdentityKey[],
): Promise<(IdentityKey & { permissions: unknown })[]> {
  return tx.$queryRaw<(IdentityKey & { permissions: unknown })[]>`
    /* whole realm: reconciliation of a scan, system code */
    SELECT n.provider::text AS provider, n."externalId", n.permissions
    FROM ${storedAmong(realmId, identities)}`;
}
