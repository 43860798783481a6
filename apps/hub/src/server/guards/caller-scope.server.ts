import { authenticateRequest, type RequestScope } from '@nhi/platform';
import { getRequest } from '@tanstack/react-start/server';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { setSessionCookie } from './session-cookie.server.ts';

/**
 * The caller's scope, checked by the same code the tRPC guard runs. A session past half its
 * life comes back renewed, and the cookie with it.
 */
export async function callerScope(): Promise<RequestScope> {
  const runtime = await hubRuntime();
  const scope = await authenticateRequest(runtime.root, {
    headers: getRequest().headers,
    requestId: currentRequestId(),
  });
  if (scope.renewedToken) setSessionCookie(scope.renewedToken, runtime.config.NHI_TRUST_PROXY);
  return scope;
}
