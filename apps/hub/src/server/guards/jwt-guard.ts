import { createMiddleware } from '@tanstack/react-start';
import { hubRuntime } from '../hub-runtime.server.ts';
import { hubCaller } from '../rpc/caller.server.ts';
import { callerScope } from './caller-scope.server.ts';
import { serverFnErrors } from './server-fn-errors.ts';

/**
 * Who is calling, from the session cookie (or a bearer token). Hands the request's scope
 * (child container, realm, permissions) and a caller bound to it to what follows; 401 when
 * there is no valid credential.
 */
export const jwtGuard = createMiddleware({ type: 'function' })
  .middleware([serverFnErrors])
  .server(async ({ next }) => {
    const scope = await callerScope();
    return next({ context: { scope, rpc: hubCaller((await hubRuntime()).root, scope) } });
  });
