import { type RequestScope, requirePermission } from '@nhi/platform';

export function assertPermission(scope: Pick<RequestScope, 'permissions'>, permission: string): void {
  requirePermission(scope, permission);
}
