import { performance } from 'node:perf_hooks';
import { inServerSpan, isHttpsRequest, markFailed, untraced } from '@nhi/platform';
import { type BodyLimiter, limitRequestBody, tooLargeResponse } from './body-limit.ts';
import { requestIdOf } from './request-id.ts';
import { httpRequestStore } from './request-store.server.ts';
import type { RouteLabeler } from './route-label.ts';
import { applySecurityHeaders } from './security-headers.ts';

/** One finished exchange, as the access log and the metrics see it. */
export interface CompletedRequest {
  requestId: string;
  method: string;
  route: string;
  /** Path only: query strings may carry tokens and never reach a log. */
  path: string;
  status: number;
  durationMs: number;
  error?: unknown;
}

export interface HttpEnvelopeOptions {
  trustProxy: boolean;
  routeLabel: RouteLabeler;
  /** Called once per request after the response is ready; must not throw. */
  onComplete(request: CompletedRequest): void;
  /** While shutting down, new requests are refused so in-flight ones can finish. */
  isDraining?(): boolean;
  /** The largest body each path accepts, in bytes; larger ones are answered 413 while being read. */
  bodyLimit: BodyLimiter;
  /**
   * Answers a request before any route sees it when it returns a response (a worker refuses the
   * paths it does not serve); undefined lets the request through.
   */
  refuse?(request: Request, path: string): Response | undefined;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * What every request gets, whichever route serves it: a request id (echoed back), a bounded
 * body, security headers, one access-log entry and metrics, and a plain 500 instead of a
 * stack trace when something throws.
 */
export function createHttpEnvelope(options: HttpEnvelopeOptions) {
  return function envelope(request: Request, handle: FetchHandler): Promise<Response> {
    const startedAt = performance.now();
    const path = new URL(request.url).pathname;
    const route = options.routeLabel(path);
    const respond = async (span?: RequestSpan) => {
      const { response, ...completed } = await serve(request, handle, path, options);
      span?.setAttributes({
        'http.response.status_code': completed.status,
        'nhi.request_id': completed.requestId,
      });
      if (span && completed.status >= 500) markFailed(span, completed.error ?? new Error('server error'));
      options.onComplete({
        ...completed,
        method: request.method,
        route,
        path,
        durationMs: performance.now() - startedAt,
      });
      return response;
    };
    if (untracedRoutes.has(route)) return untraced(() => respond());
    // With tracing on, the request's span (named by its route: paths may carry one-time tokens)
    // is active while it is served, so the access-log line carries its trace id too.
    return inServerSpan(
      `${request.method} ${route}`,
      request.headers,
      { 'http.request.method': request.method, 'http.route': route },
      respond,
    );
  };
}

type RequestSpan = Parameters<typeof markFailed>[0];

/**
 * Probes and scrapes arrive every few seconds from the orchestrator and Prometheus: a trace each
 * would bury the ones of people's requests, and their statements would be traced with them.
 */
const untracedRoutes = new Set(['/healthz', '/readyz', '/metrics']);

/** The response to one request, with what the access log needs to know of it. */
async function serve(request: Request, handle: FetchHandler, path: string, options: HttpEnvelopeOptions) {
  const requestId = requestIdOf(request.headers);
  let response: Response;
  let failure: unknown;
  const refusal = options.refuse?.(request, path);
  if (options.isDraining?.()) {
    response = Response.json({ status: 'shutting down' }, { status: 503, headers: { connection: 'close' } });
  } else if (refusal) {
    response = refusal;
  } else {
    try {
      response = await httpRequestStore.run({ requestId }, () =>
        handleBounded(request, options.bodyLimit(path), handle),
      );
    } catch (error) {
      failure = error;
      response = Response.json({ error: 'Internal server error', requestId }, { status: 500 });
    }
  }
  response = withMutableHeaders(response);
  response.headers.set('x-request-id', requestId);
  applySecurityHeaders(response.headers, {
    https: isHttpsRequest(request.headers, request.url, options.trustProxy),
    path,
  });
  return {
    requestId,
    response,
    status: response.status,
    ...(failure === undefined ? {} : { error: failure }),
  };
}

/**
 * Runs the handler on a request whose body cannot exceed `limit`. A declared Content-Length
 * over it is refused before a byte is read; a body that turns out longer (chunked, say) is
 * cut where it passes the limit, and whatever the handler made of that becomes a 413.
 */
async function handleBounded(request: Request, limit: number, handle: FetchHandler): Promise<Response> {
  // Decided from the method, not by touching `body`: opening the body stream marks it as being
  // read, and a body nobody reads could then no longer be skipped to keep the connection alive.
  if (request.method === 'GET' || request.method === 'HEAD') return handle(request);
  if (Number(request.headers.get('content-length') ?? 0) > limit) return tooLargeResponse(limit, request);
  const bounded = limitRequestBody(request, limit);
  try {
    const response = await handle(bounded.request);
    if (!bounded.exceeded()) return response;
    await response.body?.cancel().catch(() => {});
    return tooLargeResponse(limit, request);
  } catch (error) {
    if (bounded.exceeded()) return tooLargeResponse(limit, request);
    throw error;
  }
}

/** Redirects and fetched responses come with immutable headers; copy those once. */
function withMutableHeaders(response: Response): Response {
  try {
    response.headers.set('x-request-id', '');
    return response;
  } catch {
    return new Response(response.body, response);
  }
}
