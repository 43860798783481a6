import type { DependencyContainer } from 'tsyringe';
import { type Coverage, permissionsWithCoverage } from '../auth/coverage.ts';
import { PERMISSION_RESOLVER, type PermissionResolver } from '../auth/permissions.ts';
import type { Principal } from '../context/request-context.ts';

export interface ScopedMember {
  userId: string;
  /** The permissions the member holds, each over the same teams. */
  permissions: readonly string[];
  /** The owner teams the member's grants cover (the groups of the scope subtrees). */
  groupIds: readonly string[];
}

function userIdOf(principal: Principal): string | undefined {
  return principal.kind === 'user' || principal.kind === 'token' ? principal.userId : undefined;
}

/**
 * Makes the listed users scoped members, as a scoped policy assignment would (ADR 0040), without
 * the policy domain: each holds its permissions only over identities its teams own. Everyone
 * else keeps what the hub's resolver gives. For domain tests of the coverage filter.
 */
export function registerScopedMembers(root: DependencyContainer, members: readonly ScopedMember[]): void {
  const inner: PermissionResolver = root.resolve(PERMISSION_RESOLVER);
  const resolver: PermissionResolver = {
    async permissionsOf(principal, realm, known) {
      const member = members.find((m) => m.userId === userIdOf(principal));
      if (!member) return inner.permissionsOf(principal, realm, known);
      const coverage: Coverage = {
        kind: 'groups',
        groupIds: Object.freeze([...member.groupIds].sort()),
        scopeGroupIds: Object.freeze([...member.groupIds].sort()),
      };
      return permissionsWithCoverage(member.permissions, () => coverage);
    },
  };
  root.register(PERMISSION_RESOLVER, { useValue: resolver });
}
