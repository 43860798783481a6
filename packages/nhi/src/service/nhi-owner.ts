import {
  type Coverage,
  coveredOwnerWhere,
  coversOwner,
  DomainError,
  type RealmTx,
  ValidationError,
} from '@nhi/platform';

/**
 * A Prisma `where` on a row about an identity (a credential, a suggestion): its identity is
 * covered. Nothing for the whole realm, so an unscoped read joins nothing it did not before.
 */
export function aboutCoveredNhi(coverage: Coverage): { nhi?: { ownerGroupId?: { in: string[] } } } {
  return coverage.kind === 'all' ? {} : { nhi: coveredOwnerWhere(coverage) };
}

/** An owner team the caller's write coverage does not reach (ADR 0040). */
export class OwnerTeamOutsideCoverageError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/**
 * A scoped member keeps identities within their teams: what they create or edit is owned by a
 * team they cover, so it can neither leave their scope (another team, or unowned: the central
 * team's) nor land in someone else's. Realm-wide coverage may set any owner team.
 */
export function assertOwnerTeamCovered(coverage: Coverage, ownerGroupId: string | null): void {
  if (coversOwner(coverage, ownerGroupId)) return;
  throw new OwnerTeamOutsideCoverageError(
    ownerGroupId === null
      ? 'Your access covers only the identities of your teams: choose one of them as the owner team'
      : 'The owner team is not one of your teams: you may only assign identities to a team you cover',
    { field: 'ownerGroupId' },
  );
}

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
