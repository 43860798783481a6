import { createMiddleware } from '@tanstack/react-start';
import { callerScope } from './caller-scope.server.ts';
import { serverFnErrors } from './server-fn-errors.ts';

/**
 * Who is calling, from the session cookie (or a bearer token). Hands the request's scope
 * (child container, realm, permissions) to what follows; 401 when there is no valid credential.
 */
export const jwtGuard = createMiddleware({ type: 'function' })
  .middleware([serverFnErrors])
  .server(async ({ next }) => next({ context: { scope: await callerScope() } }));
