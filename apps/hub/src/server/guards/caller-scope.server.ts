import { authenticateRequest, type RequestScope } from '@nhi/platform';
import { getRequest } from '@tanstack/react-start/server';
import { realmOfPath } from '../../lib/realm-url.ts';
import { clientAddress } from '../functions/client-address.server.ts';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { setSessionCookie } from './session-cookie.server.ts';

/**
 * The caller's scope, checked by the same code the tRPC guard runs. A session past half its
 * life comes back renewed, and the cookie with it.
 */
export async function callerScope(): Promise<RequestScope> {
  const runtime = await hubRuntime();
  const request = getRequest();
  const scope = await authenticateRequest(runtime.root, {
    headers: request.headers,
    requestId: currentRequestId(),
    // A page rendered on the server works in the realm its URL names; the browser's own calls say it in a header.
    pageRealm: realmOfPath(new URL(request.url).pathname),
  });
  if (scope.renewedToken) setSessionCookie(scope.renewedToken, runtime.config.NHI_TRUST_PROXY);
  return { ...scope, clientAddress: clientAddress(runtime.config.NHI_TRUST_PROXY) };
}
