import { isForwarded, requirePermission } from '@nhi/platform';
import { createMiddleware } from '@tanstack/react-start';
import { procedureMetaOf } from '../rpc/caller.server.ts';
import type { ProcedurePath } from '../rpc/procedure-paths.ts';
import { jwtGuard } from './jwt-guard.ts';

/**
 * Every guarded serverFn names the procedure it runs; 403 when the caller's role in the
 * current realm does not grant the permission that procedure declares. Includes jwtGuard,
 * so one entry is enough. For a realm a worker instance serves, the worker decides with its
 * own policy data (the procedure's guard forwards the call before checking anything here).
 */
export function authGuard(procedure: ProcedurePath) {
  return createMiddleware({ type: 'function' })
    .middleware([jwtGuard])
    .server(({ context, next }) => {
      const meta = procedureMetaOf(procedure);
      if (!isForwarded(context.scope, meta)) requirePermission(context.scope, meta.permission);
      return next();
    });
}
