import {
  FORWARD_TOKEN_HEADER,
  FORWARDED_CALLS,
  isDomainError,
  type Logger,
  toHttpStatus,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';

export interface InstanceEndpointDeps {
  root: DependencyContainer;
  logger: Logger;
  requestId: string;
}

/**
 * What every hub-to-worker endpoint checks first: it exists on a worker only (the hub answers 404
 * like any unknown path), and the call carries an instance token the hub signed for this worker.
 * Undefined when the call may go on; otherwise the answer to give.
 */
export async function refusedInstanceCall(
  request: Request,
  deps: InstanceEndpointDeps,
): Promise<Response | undefined> {
  if (!deps.root.isRegistered(FORWARDED_CALLS, true))
    return Response.json({ error: 'not found' }, { status: 404 });
  try {
    await deps.root
      .resolve(FORWARDED_CALLS)
      .tokens.verifyInstanceCall(request.headers.get(FORWARD_TOKEN_HEADER) ?? undefined);
    return undefined;
  } catch (error) {
    return domainErrorResponse(error);
  }
}

/** A domain error as the JSON answer with its status; anything else goes on to the envelope's 500. */
export function domainErrorResponse(error: unknown): Response {
  if (isDomainError(error)) return Response.json({ error: error.message }, { status: toHttpStatus(error) });
  throw error;
}
