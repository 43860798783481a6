/**
 * Cookie-authenticated calls must come from our own pages: a cross-site form or script
 * would otherwise ride the user's cookie. Bearer calls carry their own credential and
 * need no such check.
 */
export function isSameOriginRequest(headers: Headers, requestUrl: string, trustProxy = false): boolean {
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'same-origin' || fetchSite === 'none';
  const origin = headers.get('origin');
  if (!origin) return false;
  const forwardedHost = trustProxy ? headers.get('x-forwarded-host') : null;
  const forwardedProto = trustProxy ? headers.get('x-forwarded-proto') : null;
  const url = new URL(requestUrl);
  const expectedHost = forwardedHost ?? headers.get('host') ?? url.host;
  const expectedProto = forwardedProto ?? url.protocol.replace(':', '');
  try {
    const parsed = new URL(origin);
    return parsed.host === expectedHost && parsed.protocol === `${expectedProto}:`;
  } catch {
    return false;
  }
}
