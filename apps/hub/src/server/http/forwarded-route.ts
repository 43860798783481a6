import { InstanceForwarder, type RequestScope } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';

/** What of a worker's answer reaches the caller: what the body is, and what to do with it. */
const passedHeaders = ['content-type', 'content-disposition', 'cache-control', 'retry-after'];

/**
 * A GET route for a realm a worker instance serves, sent there as it came (path and query), for
 * the user the hub authenticated, with a forward token (ADR 0029): the worker serves the same
 * route from its own data. Its answer streams through as it is read, never held whole here.
 * Throws UnavailableError when the worker does not answer.
 */
export async function forwardedGet(
  request: Request,
  scope: RequestScope,
  root: DependencyContainer,
): Promise<Response> {
  const url = new URL(request.url);
  const answer = await root.resolve(InstanceForwarder).forwardRequest(scope, {
    method: 'GET',
    path: `${url.pathname}${url.search}`,
    headers: request.headers,
    signal: request.signal,
  });
  return passedOn(answer);
}

/** The instance's answer as this route's: its status, its body unread, the headers that describe it. */
export function passedOn(answer: Response): Response {
  const headers = new Headers();
  for (const name of passedHeaders) {
    const value = answer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(answer.body, { status: answer.status, headers });
}
