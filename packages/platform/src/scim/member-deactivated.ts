import type { Prisma } from '../generated/prisma/client.ts';

/**
 * Published when users stop being active in a realm (disabled, or no longer members), with the
 * NHIs they own there as subjects: `nhi1.owner_inactive` is evaluated for those now rather than at
 * the next scheduled pass.
 */
export const memberDeactivatedEvent = 'member.deactivated';

/** In the transaction of the change; nothing when the users own nothing in the realm. */
export async function publishMemberDeactivated(
  tx: Prisma.TransactionClient,
  realmId: string,
  userIds: readonly string[],
): Promise<void> {
  if (userIds.length === 0) return;
  const owned = await tx.nhi.findMany({
    where: { realmId, ownerUserId: { in: [...userIds] } },
    select: { id: true },
  });
  if (owned.length === 0) return;
  await tx.domainEvent.create({
    data: { realmId, type: memberDeactivatedEvent, subjectIds: owned.map((nhi) => nhi.id) },
    select: { id: true },
  });
}
