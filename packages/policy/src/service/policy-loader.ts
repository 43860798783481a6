import type { RealmTx } from '@nhi/platform';
import { realmMembers } from '../sql/policy-state.sql.ts';
import { builtInPolicyPermissions } from './builtin-policies.ts';
import { PolicyState } from './policy-state.ts';

/**
 * Reads one realm's policy data. The epoch is read first: the data read after it is at least as
 * new, so a state labelled with an epoch never misses a change that epoch already counts.
 */
export async function loadPolicyState(
  tx: RealmTx,
  realmId: string,
): Promise<{ epoch: bigint; state: PolicyState }> {
  const epochRow = await tx.policyEpoch.findFirst({ select: { epoch: true } });
  // One after another: a transaction is one connection, which runs one statement at a time.
  const groups = await tx.policyGroup.findMany({
    select: { id: true, name: true, parentId: true, builtInRole: true },
  });
  const members = await realmMembers(tx, realmId);
  const groupMembers = await tx.policyGroupMember.findMany({ select: { groupId: true, userId: true } });
  const policies = await tx.policy.findMany({
    select: { id: true, name: true, builtInKey: true, permissions: true },
  });
  const assignments = await tx.policyAssignment.findMany({
    select: { id: true, policyId: true, groupId: true, expiresAt: true, scopeGroupId: true },
  });
  const state = new PolicyState({
    groups,
    members,
    groupMembers,
    policies: policies.map((p) => ({
      id: p.id,
      name: p.name,
      builtInKey: p.builtInKey,
      permissions: p.builtInKey ? builtInPolicyPermissions(p.builtInKey) : new Set(p.permissions),
    })),
    assignments,
  });
  return { epoch: epochRow?.epoch ?? -1n, state };
}
