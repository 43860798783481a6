import { definePermissions } from '@nhi/platform';

/**
 * What the inventory asks of a caller. Importing this module adds them to the catalogue. Reading,
 * editing and deleting follow the caller's coverage (ADR 0040); importing and deciding owners act
 * on the whole realm and stay unscoped.
 */
export const nhiAccessPermissions = definePermissions([
  {
    key: 'nhi:read',
    description: 'See non-human identities, their credentials, history and audit trail',
    grantedTo: ['admin', 'editor', 'viewer'],
    scopable: true,
  },
  {
    key: 'nhi:write',
    description: 'Create and edit non-human identities and their credentials',
    grantedTo: ['admin', 'editor'],
    scopable: true,
  },
  {
    key: 'nhi:delete',
    description: 'Delete and restore non-human identities',
    grantedTo: ['admin'],
    scopable: true,
  },
  {
    key: 'nhi:import',
    description: 'Import non-human identities from a file',
    grantedTo: ['admin', 'editor'],
  },
  {
    key: 'nhi:ownership',
    description: 'Accept or reject the owners suggested for identities from their source metadata',
    grantedTo: ['admin'],
  },
] as const);

export type NhiAccessPermission = (typeof nhiAccessPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<NhiAccessPermission, true> {}
}
