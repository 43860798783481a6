import type { RealmTx } from '@nhi/platform';
import type { MemberNode } from '../service/policy-state.ts';

/**
 * The realm's members with their role and email. One join rather than the ORM's relation load,
 * which sends every member's id back as a list.
 */
export async function realmMembers(tx: RealmTx, realmId: string): Promise<MemberNode[]> {
  return await tx.$queryRaw<MemberNode[]>`
    SELECT m."userId", m.role::text AS role, u.email
    FROM "RealmMembership" m JOIN "User" u ON u.id = m."userId"
    WHERE m."realmId" = ${realmId}`;
}

/**
 * Locks the realm's policy epoch row until the transaction ends, so the realm's policy changes
 * run one after another; the epoch read is the one the locked state stands at. Undefined when the
 * realm has no epoch row.
 */
export async function lockPolicyEpoch(tx: RealmTx, realmId: string): Promise<{ epoch: bigint } | undefined> {
  const [locked] = await tx.$queryRaw<{ epoch: bigint }[]>`
    SELECT "epoch" FROM "PolicyEpoch" WHERE "realmId" = ${realmId} FOR UPDATE`;
  return locked;
}

/**
 * The realm's policy epoch as this transaction sees it: after a change's writes (whose triggers
 * moved it) and with the row locked, the epoch of the state the change leaves.
 */
export async function policyEpochOf(tx: RealmTx, realmId: string): Promise<bigint | undefined> {
  const [row] = await tx.$queryRaw<{ epoch: bigint | number | string }[]>`
    SELECT "epoch" FROM "PolicyEpoch" WHERE "realmId" = ${realmId}`;
  return row ? BigInt(row.epoch) : undefined;
}
