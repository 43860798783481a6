import {
  type Config,
  isHttpsRequest,
  type Logger,
  NotFoundError,
  OIDC_FLOW_COOKIE,
  OidcLogin,
  OidcLoginError,
  oidcFlowTtlSeconds,
  readCookie,
  serializeSessionCookie,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { safeNextPath } from '../../lib/realm-url.ts';

export interface OidcRouteContext {
  root: DependencyContainer;
  config: Config;
  logger: Logger;
  requestId: string;
}

/** The flow cookie goes only to the callbacks, and never outlives the sign-in it carries. */
const flowCookiePath = '/auth/oidc/';
/** The page the sign-in started from (`/login?next=`), a path of this hub, kept like the flow cookie. */
const nextCookie = 'nhi_oidc_next';

/** The hub's address as the browser reaches it: NHI_PUBLIC_URL, else the request's own origin. */
export function publicOrigin(request: Request, config: Config): string {
  if (config.NHI_PUBLIC_URL) return new URL(config.NHI_PUBLIC_URL).origin;
  const url = new URL(request.url);
  const https = isHttpsRequest(request.headers, request.url, config.NHI_TRUST_PROXY);
  return `${https ? 'https' : url.protocol.replace(':', '')}://${url.host}`;
}

export function callbackUri(request: Request, config: Config, providerId: string): string {
  return `${publicOrigin(request, config)}/auth/oidc/${encodeURIComponent(providerId)}/callback`;
}

/** GET /auth/oidc/<id>/start: a fresh state, nonce and PKCE verifier, then off to the provider. */
export async function oidcStartResponse(request: Request, providerId: string, context: OidcRouteContext) {
  try {
    const { authorizationUrl, flowCookie } = await context.root
      .resolve(OidcLogin)
      .start(providerId, callbackUri(request, context.config, providerId));
    const headers = new Headers({ location: authorizationUrl, 'cache-control': 'no-store' });
    const isSecure = secure(request, context);
    headers.append('set-cookie', flowCookieHeader(flowCookie, oidcFlowTtlSeconds, isSecure));
    const next = safeNextPath(new URL(request.url).searchParams.get('next'));
    headers.append(
      'set-cookie',
      flowCookieHeader(next ?? '', next ? oidcFlowTtlSeconds : 0, isSecure, nextCookie),
    );
    return new Response(null, { status: 302, headers });
  } catch (error) {
    return failure(error, providerId, context);
  }
}

/**
 * GET /auth/oidc/<id>/callback: the provider's answer. A session, as a password login makes one,
 * and on to the page the sign-in started from (else the dashboard); otherwise a page that says
 * what was wrong. The page is checked again: a cookie is the browser's to change.
 */
export async function oidcCallbackResponse(request: Request, providerId: string, context: OidcRouteContext) {
  const isSecure = secure(request, context);
  // The library checks the answer against the redirect URI it was sent to, wherever a proxy put us.
  const callbackUrl = new URL(callbackUri(request, context.config, providerId));
  callbackUrl.search = new URL(request.url).search;
  try {
    const login = await context.root
      .resolve(OidcLogin)
      .finish(providerId, callbackUrl, readCookie(request.headers, OIDC_FLOW_COOKIE), {
        requestId: context.requestId,
      });
    const next = safeNextPath(readCookie(request.headers, nextCookie)) ?? '/';
    const headers = new Headers({ location: next, 'cache-control': 'no-store' });
    headers.append('set-cookie', serializeSessionCookie(login.token, login.expiresAt, { secure: isSecure }));
    headers.append('set-cookie', flowCookieHeader('', 0, isSecure));
    headers.append('set-cookie', flowCookieHeader('', 0, isSecure, nextCookie));
    return new Response(null, { status: 302, headers });
  } catch (error) {
    const response = failure(error, providerId, context);
    response.headers.append('set-cookie', flowCookieHeader('', 0, isSecure));
    response.headers.append('set-cookie', flowCookieHeader('', 0, isSecure, nextCookie));
    return response;
  }
}

function secure(request: Request, context: OidcRouteContext): boolean {
  return isHttpsRequest(request.headers, request.url, context.config.NHI_TRUST_PROXY);
}

function flowCookieHeader(value: string, maxAge: number, isSecure: boolean, name = OIDC_FLOW_COOKIE): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${flowCookiePath}`,
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
  ];
  if (isSecure) parts.push('Secure');
  return parts.join('; ');
}

/** Unknown provider: 404. A refused sign-in: 400 with its reason. Anything else: rethrown (a plain 500). */
function failure(error: unknown, providerId: string, context: OidcRouteContext): Response {
  if (error instanceof NotFoundError) {
    return page(
      404,
      'Unknown sign-in provider',
      `This hub has no sign-in provider “${providerId}”.`,
      context,
    );
  }
  if (!(error instanceof OidcLoginError)) throw error;
  // The reason and the provider only: codes, tokens and the library's details stay out of logs.
  context.logger.warn(
    {
      event: 'oidc_login_failed',
      provider: providerId,
      reason: error.reason,
      ...(error.detail ? { detail: error.detail } : {}),
      requestId: context.requestId,
    },
    'OIDC sign-in refused',
  );
  return page(400, 'Sign-in failed', error.message, context, error.reason);
}

function page(status: number, title: string, message: string, context: OidcRouteContext, reason?: string) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · NHI Hub</title></head>
<body><main class="login-page">
<h1>${escapeHtml(title)}</h1>
<p data-testid="oidc-error"${reason ? ` data-reason="${escapeHtml(reason)}"` : ''}>${escapeHtml(message)}</p>
<p><a href="/login" data-testid="oidc-error-back">Back to the login page</a></p>
<p><small>Request ${escapeHtml(context.requestId)}</small></p>
</main></body></html>`;
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
