import { AuthService, authenticateRequest, type LoginResult, MfaService, OidcLogin } from '@nhi/platform';
import { getRequest } from '@tanstack/react-start/server';
import { clearSessionCookie, setSessionCookie } from '../guards/session-cookie.server.ts';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { publicOrigin } from '../ops/oidc-sign-in.ts';
import { clientAddress } from './client-address.server.ts';

/**
 * The password step. An account with TOTP (or one a realm requires it of) gets no session yet:
 * the answer carries the challenge the page sends back with the code (ADR 0034).
 */
export async function logIn(credentials: { email: string; password: string }) {
  const runtime = await hubRuntime();
  const trustProxy = runtime.config.NHI_TRUST_PROXY;
  const outcome = await runtime.root
    .resolve(AuthService)
    .passwordLogin({ ...credentials, ip: clientAddress(trustProxy) });
  if ('challenge' in outcome) {
    return { secondFactor: { purpose: outcome.purpose, challenge: outcome.challenge } } as const;
  }
  return loggedIn(outcome, trustProxy);
}

/** The second step: a TOTP code or a recovery code with the challenge of the password step. */
export async function logInSecondFactor(input: { challenge: string; code?: string; recoveryCode?: string }) {
  const runtime = await hubRuntime();
  const trustProxy = runtime.config.NHI_TRUST_PROXY;
  const result = await runtime.root
    .resolve(MfaService)
    .completeLogin({ ...input, ip: clientAddress(trustProxy) });
  return loggedIn(result, trustProxy);
}

/** A realm requires TOTP and the account has none: its secret, before any session exists. */
export async function beginEnrolmentAtLogin(input: { challenge: string }) {
  const runtime = await hubRuntime();
  return runtime.root.resolve(MfaService).beginEnrolmentAtLogin(input.challenge);
}

/** The first code enables TOTP and opens the session; the recovery codes are shown once. */
export async function confirmEnrolmentAtLogin(input: { challenge: string; code: string }) {
  const runtime = await hubRuntime();
  const trustProxy = runtime.config.NHI_TRUST_PROXY;
  const { recoveryCodes, session } = await runtime.root
    .resolve(MfaService)
    .confirmEnrolmentAtLogin({ ...input, ip: clientAddress(trustProxy) });
  return { ...loggedIn(session, trustProxy), recoveryCodes };
}

function loggedIn(result: LoginResult, trustProxy: boolean) {
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
