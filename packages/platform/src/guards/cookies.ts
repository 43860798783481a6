export const SESSION_COOKIE = 'nhi_session';

export function readCookie(headers: Headers, name: string): string | undefined {
  const header = headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) return decodeCookieValue(part.slice(index + 1).trim());
  }
  return undefined;
}

/** A value that is not valid percent-encoding is no credential at all: 401, not a crash. */
function decodeCookieValue(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function readBearerToken(headers: Headers): string | undefined {
  const header = headers.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

export interface SessionCookieOptions {
  secure: boolean;
  now?: Date;
}

/** Serialised Set-Cookie value for the session token; an expired date clears it. */
export function serializeSessionCookie(
  token: string,
  expiresAt: Date,
  options: SessionCookieOptions,
): string {
  const now = options.now ?? new Date();
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(token)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    `Expires=${expiresAt.toUTCString()}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearSessionCookie(options: { secure: boolean }): string {
  return serializeSessionCookie('', new Date(0), { ...options, now: new Date(0) });
}

/** Whether the request reached us over https, directly or through a trusted proxy. */
export function isHttpsRequest(headers: Headers, requestUrl: string, trustProxy: boolean): boolean {
  if (trustProxy && headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return requestUrl.startsWith('https:');
}
