import { definePermissions } from '@nhi/platform';

/** What the scanner asks of a caller. Importing this module adds them to the catalogue. */
export const scannerPermissions = definePermissions([
  {
    key: 'source:read',
    description: 'See discovery sources (never their credentials) and their scans',
    grantedTo: ['admin', 'editor', 'viewer'],
  },
  {
    key: 'source:manage',
    description: 'Create, change and delete discovery sources and their credentials',
    grantedTo: ['admin'],
  },
  {
    key: 'scan:run',
    description: 'Start and cancel scans, including uploads of exported files',
    grantedTo: ['admin', 'editor'],
  },
  {
    key: 'leak:read',
    description: 'See leaked secrets found by scans (masked, never the secret)',
    grantedTo: ['admin', 'editor', 'viewer'],
    scopable: true,
  },
] as const);

export type ScannerPermission = (typeof scannerPermissions)[number]['key'];

declare module '@nhi/platform' {
  interface PermissionRegistry extends Record<ScannerPermission, true> {}
}
