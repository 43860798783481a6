import { isHttpsRequest, SESSION_COOKIE } from '@nhi/platform';
import { deleteCookie, getRequest, setCookie } from '@tanstack/react-start/server';

/** Secure whenever the browser reached us over https, directly or through a trusted proxy. */
function cookieIsSecure(trustProxy: boolean): boolean {
  const request = getRequest();
  return isHttpsRequest(request.headers, request.url, trustProxy);
}

/** httpOnly keeps scripts away from it; SameSite=Lax keeps cross-site posts from carrying it. */
export function setSessionCookie(token: { token: string; expiresAt: Date }, trustProxy: boolean): void {
  setCookie(SESSION_COOKIE, token.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookieIsSecure(trustProxy),
    expires: token.expiresAt,
    maxAge: Math.max(0, Math.floor((token.expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(trustProxy: boolean): void {
  deleteCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cookieIsSecure(trustProxy),
  });
}
