import { requirePermission } from '@nhi/platform';
import { createMiddleware } from '@tanstack/react-start';
import { permissionOf } from '../rpc/caller.server.ts';
import type { ProcedurePath } from '../rpc/procedure-paths.ts';
import { jwtGuard } from './jwt-guard.ts';

/**
 * Every guarded serverFn names the procedure it runs; 403 when the caller's role in the
 * current realm does not grant the permission that procedure declares. Includes jwtGuard,
 * so one entry is enough.
 */
export function authGuard(procedure: ProcedurePath) {
  return createMiddleware({ type: 'function' })
    .middleware([jwtGuard])
    .server(({ context, next }) => {
      requirePermission(context.scope, permissionOf(procedure));
      return next();
    });
}
