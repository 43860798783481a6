import { definePermissions } from '../../auth/permissions.ts';

/**
 * Keeping personal views needs only the page's own read permission (the page decides); a view
 * that everybody in the realm sees is the realm's, so sharing one, or changing or deleting one
 * somebody else shared, is for its administrators.
 */
export const savedViewPermissions = definePermissions([
  {
    key: 'view:share',
    description:
      'Share saved views of the alert queue and the inventory with the whole realm, and change or delete views others shared',
    grantedTo: ['admin'],
  },
] as const);

export type SavedViewPermission = (typeof savedViewPermissions)[number]['key'];

declare module '../../auth/permissions.ts' {
  interface PermissionRegistry extends Record<SavedViewPermission, true> {}
}
