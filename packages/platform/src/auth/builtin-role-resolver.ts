import { inject, injectable } from 'tsyringe';
import type { Principal, RealmRef } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import {
  narrowToToken,
  type PermissionResolver,
  permissionCatalogue,
  permissionsOfRole,
} from './permissions.ts';

/**
 * Permissions from the built-in role of the principal's membership in the realm, until the
 * policy domain supplies its own resolver. Reads memberships as system code: deciding what a
 * principal may do in a realm comes before any realm-scoped work.
 */
@injectable()
export class BuiltInRolePermissionResolver implements PermissionResolver {
  constructor(@inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase) {}

  async permissionsOf(principal: Principal, realm: RealmRef): Promise<ReadonlySet<string>> {
    // System principals are the operator's own tools (CLI, first start): they hold everything.
    if (principal.kind === 'system')
      return new Set(permissionCatalogue().map((permission) => permission.key));
    const membership = await this.db.systemPrisma.realmMembership.findUnique({
      where: { realmId_userId: { realmId: realm.id, userId: principal.userId } },
      select: { role: true },
    });
    if (!membership) return new Set();
    return narrowToToken(principal, permissionsOfRole(membership.role));
  }
}
