import { SESSION_COOKIE } from '@nhi/platform';
import { isServedByWorker, notServedByWorker } from './worker-paths.ts';

export { isServedByWorker } from './worker-paths.ts';

/**
 * What a worker answers instead of its routes, or undefined to let the request through. A
 * browser session is the hub's alone: a call carrying its cookie was not forwarded by the hub.
 */
export function workerRefusal(request: Request, path: string): Response | undefined {
  if (!isServedByWorker(path)) return Response.json(notServedByWorker, { status: 404 });
  if (carriesSessionCookie(request.headers)) {
    return Response.json(
      { error: 'session cookies are not accepted by a worker' },
      { status: 401, headers: { 'www-authenticate': 'Bearer' } },
    );
  }
  return undefined;
}

/** By name, whatever its value: even a cookie that would not decode is refused, not ignored. */
function carriesSessionCookie(headers: Headers): boolean {
  const header = headers.get('cookie');
  if (!header) return false;
  return header.split(';').some((part) => part.split('=', 1)[0]?.trim() === SESSION_COOKIE);
}
