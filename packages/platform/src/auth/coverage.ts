/**
 * Over which identities a held permission reaches (ADR 0040). `all`: every identity of the realm
 * (some grant is unscoped). `groups`: only identities whose owner team (`Nhi.ownerGroupId`) is one
 * of `groupIds`, the union of the subtrees of `scopeGroupIds`; unowned identities are outside.
 * `none`: the permission is not held.
 */
export type Coverage =
  | { kind: 'all' }
  | { kind: 'groups'; groupIds: readonly string[]; scopeGroupIds: readonly string[] }
  | { kind: 'none' };

export const allCoverage: Coverage = Object.freeze({ kind: 'all' });
export const noCoverage: Coverage = Object.freeze({ kind: 'none' });

/**
 * A request's permissions: `has` answers "may the caller use this procedure at all" (a permission
 * held only through scoped grants passes), `coverage` answers "over which identities".
 */
export interface RequestPermissions extends ReadonlySet<string> {
  coverage(permission: string): Coverage;
}

class CoveredPermissions extends Set<string> implements RequestPermissions {
  constructor(
    held: Iterable<string>,
    private readonly coverageOf: (permission: string) => Coverage,
  ) {
    super(held);
  }

  coverage(permission: string): Coverage {
    return this.has(permission) ? this.coverageOf(permission) : noCoverage;
  }
}

/**
 * The coverage of `permission` when the caller holds it, else the whole realm. For pages guarded by
 * another permission that show identities (the dashboard, the scanner's identity pages): a holder
 * scoped to teams sees their part, a caller without the permission sees what the page always showed.
 */
export function coverageIfHeld(permissions: RequestPermissions, permission: string): Coverage {
  return permissions.has(permission) ? permissions.coverage(permission) : allCoverage;
}

/** Held permissions whose coverage the resolver decides, per permission, when asked. */
export function permissionsWithCoverage(
  held: Iterable<string>,
  coverageOf: (permission: string) => Coverage,
): RequestPermissions {
  return new CoveredPermissions(held, coverageOf);
}

/**
 * A resolver's answer as a request's permissions: kept if it already knows coverage, else every
 * held permission covers the whole realm (resolvers without scopes, such as built-in roles).
 */
export function asRequestPermissions(held: ReadonlySet<string>): RequestPermissions {
  if (typeof (held as Partial<RequestPermissions>).coverage === 'function') return held as RequestPermissions;
  return new CoveredPermissions(held, () => allCoverage);
}

const coveredGroups = new WeakMap<Coverage, ReadonlySet<string>>();

/** Whether the coverage reaches an identity with this owner team (null: unowned, the central team's). */
export function coversOwner(coverage: Coverage, ownerGroupId: string | null): boolean {
  if (coverage.kind !== 'groups') return coverage.kind === 'all';
  if (ownerGroupId === null) return false;
  let groups = coveredGroups.get(coverage);
  if (!groups) {
    groups = new Set(coverage.groupIds);
    coveredGroups.set(coverage, groups);
  }
  return groups.has(ownerGroupId);
}

/**
 * The permissions of a container no guard opened (system code, jobs, services called directly in
 * tests): it holds no permission, and whatever it reads it reads over the whole realm, as system
 * code always did. Every request goes through the guard, which registers the caller's own.
 */
class UnguardedPermissions extends Set<string> implements RequestPermissions {
  coverage(): Coverage {
    return allCoverage;
  }
}

export const unguardedPermissions: RequestPermissions = new UnguardedPermissions();

/**
 * The owner teams a coverage reaches, as a Prisma `where` on an identity (`Nhi`): `{}` for the whole
 * realm, an impossible id list for none. For ORM reads and writes of one identity or a few.
 */
export function coveredOwnerWhere(coverage: Coverage): { ownerGroupId?: { in: string[] } } {
  const groups = coveredGroupsWhere(coverage);
  return groups.id ? { ownerGroupId: groups.id } : {};
}

/**
 * The groups a coverage reaches, as a Prisma `where` on `PolicyGroup`: the teams a scoped caller
 * may pick, filter by or learn the name of; `{}` (every group) for the whole realm.
 */
export function coveredGroupsWhere(coverage: Coverage): { id?: { in: string[] } } {
  if (coverage.kind === 'all') return {};
  return { id: { in: coverage.kind === 'groups' ? [...coverage.groupIds] : [] } };
}
