import type { Logger } from '@nhi/platform';
import type { CompletedRequest } from './http-envelope.ts';

/** Probes and scrapes arrive every few seconds; at info they would drown the log. */
const quietRoutes = new Set(['/healthz', '/readyz', '/metrics']);
/** Routes whose path carries a one-time credential (an invitation or reset link): logged by pattern only. */
const secretPathRoutes = new Set(['/invite/$token']);

/** One JSON line per request. Built from named fields only: headers, cookies and bodies never reach it. */
export function logRequest(logger: Logger, request: CompletedRequest): void {
  const fields = {
    requestId: request.requestId,
    method: request.method,
    route: request.route,
    path: secretPathRoutes.has(request.route) ? request.route : request.path,
    status: request.status,
    durationMs: Math.round(request.durationMs * 10) / 10,
  };
  if (request.error !== undefined) logger.error({ ...fields, err: request.error }, 'request failed');
  else if (request.status >= 500) logger.warn(fields, 'request');
  else if (quietRoutes.has(request.route)) logger.debug(fields, 'request');
  else logger.info(fields, 'request');
}
