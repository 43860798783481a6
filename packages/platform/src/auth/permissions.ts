import type { InjectionToken } from 'tsyringe';
import type { Principal, RealmRef } from '../context/request-context.ts';

export type BuiltInRole = 'admin' | 'editor' | 'viewer';

export interface PermissionDefinition {
  key: string;
  description: string;
  /** Built-in roles that hold it until policies replace roles. */
  grantedTo: readonly BuiltInRole[];
  /**
   * The permission is about identities and every procedure it guards filters by the caller's
   * coverage (ADR 0040). A scoped grant gives only such permissions: until a domain filters, its
   * permissions stay unscopable and a scoped grant of them gives nothing, so no read widens.
   */
  scopable?: boolean;
}

/**
 * Every permission the product knows. Domains contribute theirs through
 * `definePermissions`; procedures and serverFns may only declare keys from here.
 */
const catalogue = new Map<string, PermissionDefinition>();

export function definePermissions<const T extends readonly PermissionDefinition[]>(definitions: T): T {
  for (const definition of definitions) {
    const existing = catalogue.get(definition.key);
    if (existing && existing.description !== definition.description) {
      throw new Error(`Permission ${definition.key} is defined twice with different meanings`);
    }
    catalogue.set(definition.key, definition);
  }
  return definitions;
}

export function permissionCatalogue(): PermissionDefinition[] {
  return [...catalogue.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function isKnownPermission(key: string): boolean {
  return catalogue.has(key);
}

/** Whether a scoped grant gives this permission (see `PermissionDefinition.scopable`). */
export function isScopablePermission(key: string): boolean {
  return catalogue.get(key)?.scopable === true;
}

export const platformPermissions = definePermissions([
  {
    key: 'realm:read',
    description: 'See the realm and one’s own identity in it',
    grantedTo: ['admin', 'editor', 'viewer'],
  },
  {
    key: 'token:manage',
    description: 'Create, list and revoke one’s own API tokens',
    grantedTo: ['admin', 'editor', 'viewer'],
  },
  {
    key: 'member:manage',
    description: 'Add users to the realm and change their roles',
    grantedTo: ['admin'],
  },
  { key: 'audit:read', description: 'Read the realm’s audit log', grantedTo: ['admin'] },
  {
    key: 'scim:manage',
    description: 'Create, list and revoke the realm’s SCIM provisioning tokens',
    grantedTo: ['admin'],
  },
  {
    key: 'user:manage',
    description:
      'See the realm’s users; invite, disable, re-enable them, send password reset links, change their roles and remove them',
    grantedTo: ['admin'],
  },
  {
    key: 'account:manage',
    description:
      'Change one’s own password, set up and remove one’s own second factor, list one’s sessions and sign out everywhere',
    grantedTo: ['admin', 'editor', 'viewer'],
  },
  {
    // The hub is administered from its `hub` realm: held in any other realm, the key opens nothing.
    key: 'instance:read',
    description: 'See the worker instances, their health and the realms they serve (in the hub realm)',
    grantedTo: ['admin'],
  },
] as const);

export type PlatformPermission = (typeof platformPermissions)[number]['key'];

/**
 * The catalogue's keys as a type. Each domain adds its own by augmenting this interface next to
 * its `definePermissions`, so a procedure or serverFn that names a misspelt permission does not
 * compile. Keys only: the catalogue above holds what they mean.
 */
export interface PermissionRegistry extends Record<PlatformPermission, true> {}

export type PermissionKey = keyof PermissionRegistry & string;

/**
 * Decides what a principal may do in a realm. The built-in implementation maps realm
 * memberships to roles; the policy domain replaces it without touching callers.
 */
export interface PermissionResolver {
  /**
   * Effective permissions, already narrowed to an API token's chosen subset. `known.policyEpoch`:
   * the realm's policy epoch as the caller has just read it (authentication reads it with the
   * credential), so a resolver that checks the epoch need not read it again.
   */
  permissionsOf(
    principal: Principal,
    realm: RealmRef,
    known?: { policyEpoch?: bigint },
  ): Promise<ReadonlySet<string>>;
}

export const PERMISSION_RESOLVER: InjectionToken<PermissionResolver> = Symbol('PermissionResolver');

export function permissionsOfRole(role: BuiltInRole): Set<string> {
  return new Set(
    permissionCatalogue()
      .filter((p) => p.grantedTo.includes(role))
      .map((p) => p.key),
  );
}

/** A token never holds more than its user holds now, whatever it was created with. */
export function narrowToToken(
  principal: Principal,
  userPermissions: ReadonlySet<string>,
): ReadonlySet<string> {
  if (principal.kind !== 'token' || principal.tokenPermissions.length === 0) return userPermissions;
  return new Set(principal.tokenPermissions.filter((p) => userPermissions.has(p)));
}
