import { AuthService, authenticateRequest } from '@nhi/platform';
import { getRequest } from '@tanstack/react-start/server';
import { clearSessionCookie, setSessionCookie } from '../guards/session-cookie.server.ts';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { clientAddress } from './client-address.server.ts';

export async function logIn(credentials: { email: string; password: string }) {
  const runtime = await hubRuntime();
  const trustProxy = runtime.config.NHI_TRUST_PROXY;
  const result = await runtime.root
    .resolve(AuthService)
    .login({ ...credentials, ip: clientAddress(trustProxy) });
  setSessionCookie(result, trustProxy);
  return { user: { email: result.user.email }, realm: result.realm };
}

export async function logOut() {
  const runtime = await hubRuntime();
  try {
    const scope = await authenticateRequest(runtime.root, {
      headers: getRequest().headers,
      requestId: currentRequestId(),
    });
    const { principal } = scope.context;
    if (principal.kind === 'user') await scope.container.resolve(AuthService).logout(principal.sessionId);
  } catch {
    // Nothing valid to revoke: clearing the cookie is all that is left to do.
  }
  clearSessionCookie(runtime.config.NHI_TRUST_PROXY);
  return { loggedOut: true };
}
