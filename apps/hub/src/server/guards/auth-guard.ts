import { requirePermission } from '@nhi/platform';
import { createMiddleware } from '@tanstack/react-start';
import { jwtGuard } from './jwt-guard.ts';

/**
 * Every guarded serverFn names the permission it needs here; 403 when the caller's role in
 * the current realm does not grant it. Includes jwtGuard, so one entry is enough.
 */
export function authGuard(permission: string) {
  return createMiddleware({ type: 'function' })
    .middleware([jwtGuard])
    .server(({ context, next }) => {
      requirePermission(context.scope, permission);
      return next();
    });
}
