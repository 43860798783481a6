import { permissionCatalogue } from '@nhi/platform';

export const builtInPolicyKeys = ['realm-admin', 'security-analyst', 'viewer', 'policy-admin'] as const;
export type BuiltInPolicyKey = (typeof builtInPolicyKeys)[number];

/**
 * Built-in policies follow the catalogue, so a domain that declares new permissions needs no
 * policy edit: Realm admin holds every key, Security analyst what the editor role held, Viewer
 * what the viewer role held, Policy admin the policy keys plus realm:read.
 */
export function builtInPolicyPermissions(key: string): Set<string> {
  const catalogue = permissionCatalogue();
  switch (key) {
    case 'realm-admin':
      return new Set(catalogue.map((p) => p.key));
    case 'security-analyst':
      return new Set(catalogue.filter((p) => p.grantedTo.includes('editor')).map((p) => p.key));
    case 'viewer':
      return new Set(catalogue.filter((p) => p.grantedTo.includes('viewer')).map((p) => p.key));
    case 'policy-admin':
      return new Set(
        catalogue.filter((p) => p.key.startsWith('policy:') || p.key === 'realm:read').map((p) => p.key),
      );
    default:
      return new Set();
  }
}
