import { AuthService, authenticateRequest, OidcLogin } from '@nhi/platform';
import { getRequest } from '@tanstack/react-start/server';
import { clearSessionCookie, setSessionCookie } from '../guards/session-cookie.server.ts';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { publicOrigin } from '../ops/oidc-sign-in.ts';
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

/**
 * Ends the hub's session. One that an OIDC provider started ends at the provider too
 * (RP-initiated logout): the page sends the browser to `redirectTo`, which comes back to /login.
 */
export async function logOut(): Promise<{ loggedOut: true; redirectTo?: string }> {
  const runtime = await hubRuntime();
  let redirectTo: string | undefined;
  try {
    const scope = await authenticateRequest(runtime.root, {
      headers: getRequest().headers,
      requestId: currentRequestId(),
    });
    const { principal } = scope.context;
    if (principal.kind === 'user') {
      const ended = await scope.container.resolve(AuthService).logout(principal.sessionId);
      const loginPage = `${publicOrigin(getRequest(), runtime.config)}/login`;
      redirectTo = await runtime.root.resolve(OidcLogin).logoutUrl(ended, loginPage);
    }
  } catch {
    // Nothing valid to revoke: clearing the cookie is all that is left to do.
  }
  clearSessionCookie(runtime.config.NHI_TRUST_PROXY);
  return redirectTo ? { loggedOut: true, redirectTo } : { loggedOut: true };
}

/** What the login page offers: a button per provider, and the password form unless switched off. */
export async function signInOptions() {
  const { config } = await hubRuntime();
  return {
    providers: config.oidcProviders.map((provider) => ({ id: provider.id, name: provider.name })),
    localLogin: config.NHI_LOCAL_LOGIN,
  };
}
