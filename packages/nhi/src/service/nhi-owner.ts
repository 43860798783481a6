import { type RealmTx, ValidationError } from '@nhi/platform';

/** An owner group must be a group of the realm. */
export async function assertOwnerGroupExists(tx: RealmTx, groupId: string): Promise<void> {
  const group = await tx.policyGroup.findFirst({ where: { id: groupId }, select: { id: true } });
  if (!group) {
    throw new ValidationError('The owner group must be a group of this realm', [
      { path: ['ownerGroupId'], message: 'Not a group of this realm' },
    ]);
  }
}

/** An owner must be a member of the realm: someone who can be asked about the identity. */
export async function assertOwnersAreMembers(tx: RealmTx, ownerUserIds: Iterable<string>): Promise<void> {
  const wanted = [...new Set(ownerUserIds)];
  if (wanted.length === 0) return;
  const members = await tx.realmMembership.findMany({
    where: { userId: { in: wanted } },
    select: { userId: true },
  });
  const known = new Set(members.map((member) => member.userId));
  const missing = wanted.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new ValidationError(
      'The owner must be a member of this realm',
      missing.map(() => ({ path: ['ownerUserId'], message: 'Not a member of this realm' })),
    );
  }
}
