import {
  cancellationErrorOf,
  inputErrorOf,
  isDomainError,
  type Logger,
  originOf,
  RateLimitedError,
  sqlStateOf,
  toHttpStatus,
} from '@nhi/platform';
import { isNotFound, isRedirect } from '@tanstack/react-router';
import { getRequest, setResponseHeader, setResponseStatus } from '@tanstack/react-start/server';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import { ServerFnError } from '../../lib/server-fn-error.ts';
import { currentRequestId } from '../http/request-store.server.ts';
import { isServerFnCall } from '../http/server-fn-base.ts';
import { hubRuntime } from '../hub-runtime.server.ts';

/** A refused login or change says when to come back; outside a request (a test) there is no response. */
function setRetryAfter(seconds: number) {
  try {
    setResponseHeader('retry-after', String(seconds));
  } catch {
    // No response to set it on.
  }
}

export interface UnexpectedErrorSink {
  requestId: string;
  logger(): Promise<Logger>;
}

/**
 * The serverFn edge of the domain-error mapping: typed errors become their HTTP status and
 * code, validation failures 400 with the issues, anything else a logged 500 whose
 * message says nothing about the cause. Router redirects pass through untouched.
 */
export async function toServerFnError(thrown: unknown, unexpected: UnexpectedErrorSink): Promise<unknown> {
  const error = originOf(thrown);
  if (error instanceof ServerFnError || isRedirect(error) || isNotFound(error)) return error;
  if (error instanceof RateLimitedError) setRetryAfter(error.retryAfterSeconds);
  if (isDomainError(error))
    return new ServerFnError(error.message, toHttpStatus(error), error.code, error.details);
  if (error instanceof ZodError) {
    return new ServerFnError('The request is not valid', 400, 'BAD_REQUEST', {
      issues: error.issues.map(({ path, message }) => ({ path: path.map(String), message })),
    });
  }
  // A statement past its timeout, or cancelled because the client left: 503, not PostgreSQL's text.
  const stopped = cancellationErrorOf(error);
  if (stopped)
    return new ServerFnError(stopped.message, toHttpStatus(stopped), stopped.code, stopped.details);
  const refused = inputErrorOf(error);
  if (refused) {
    // A value the input checks let through and the database refused: worth a look, not a 500.
    (await unexpected.logger()).warn(
      { requestId: unexpected.requestId, sqlState: sqlStateOf(error) },
      'database refused an input value',
    );
    return new ServerFnError(refused.message, 400, refused.code, refused.details);
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') {
    // Refused by a procedure's own guard (no permission declared, say), not by a domain rule.
    const status = getHTTPStatusCodeFromError(error);
    return new ServerFnError(error.message, status, error.code);
  }
  (await unexpected.logger()).error({ err: error, requestId: unexpected.requestId }, 'serverFn failed');
  return new ServerFnError(`Internal error (request ${unexpected.requestId})`, 500, 'INTERNAL');
}

/**
 * Maps the error and, for a call from the browser, gives the response its status so logs
 * and metrics see 401/403 rather than 200. During a page render the same serverFn runs
 * in-process and the page keeps its own status (a redirect to /login, say).
 */
export async function failServerFn(error: unknown): Promise<unknown> {
  const mapped = await toServerFnError(error, {
    requestId: currentRequestId(),
    logger: async () => (await hubRuntime()).logger,
  });
  if (mapped instanceof ServerFnError && isServerFnCall(getRequest())) setResponseStatus(mapped.status);
  return mapped;
}
