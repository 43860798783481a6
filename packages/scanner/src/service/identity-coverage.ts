import { type Coverage, coverageIfHeld, type RequestPermissions } from '@nhi/platform';

/**
 * Whose identities the scanner shows a caller: those of their `nhi:read` coverage. `source:read`
 * reaches the whole realm, so a member with scoped `nhi:read` would otherwise see other teams'
 * identities through their scans. Without `nhi:read` at all, as the scanner always showed them.
 */
export function identityCoverageOf(permissions: RequestPermissions): Coverage {
  return coverageIfHeld(permissions, 'nhi:read');
}
