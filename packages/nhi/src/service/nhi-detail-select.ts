import { type Coverage, coveredOwnerWhere, type RealmTx } from '@nhi/platform';
import type { NhiPermission } from '../api/nhi.schema.ts';
import type { JsonValue } from './nhi-change-log.ts';
import type { NhiCredential, NhiDetail } from './nhi-detail.ts';

/** A credential's non-secret facts: what export writes and import compares. */
export const credentialFactsSelect = {
  kind: true,
  fingerprint: true,
  hint: true,
  status: true,
  providerCreatedAt: true,
  lastRotatedAt: true,
  expiresAt: true,
  lastUsedAt: true,
} as const;

export const credentialSelect = {
  id: true,
  ...credentialFactsSelect,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * One identity of the realm with its credentials, deleted or not; undefined when there is none or
 * the coverage does not reach it (ADR 0040).
 */
export async function loadNhiDetail(
  tx: RealmTx,
  id: string,
  coverage: Coverage,
): Promise<NhiDetail | undefined> {
  const row = await tx.nhi.findFirst({
    where: { id, ...coveredOwnerWhere(coverage) },
    select: {
      id: true,
      kind: true,
      provider: true,
      externalId: true,
      name: true,
      description: true,
      owner: { select: { id: true, email: true } },
      ownerGroup: { select: { id: true, name: true } },
      environment: true,
      status: true,
      tags: true,
      permissions: true,
      metadata: true,
      sourceType: true,
      sourceRef: true,
      providerCreatedAt: true,
      firstSeenAt: true,
      lastSeenAt: true,
      lastUsedAt: true,
      oldestActiveCredentialAt: true,
      nextCredentialExpiresAt: true,
      activeCredentialCount: true,
      version: true,
      createdAt: true,
      updatedAt: true,
      deletedAt: true,
      credentials: { select: credentialSelect, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] },
    },
  });
  if (!row) return undefined;
  return {
    ...row,
    // Written only through the zod shapes of nhi.schema.ts.
    permissions: row.permissions as NhiPermission[],
    metadata: row.metadata as { [key: string]: JsonValue },
    credentials: row.credentials satisfies NhiCredential[],
  };
}
