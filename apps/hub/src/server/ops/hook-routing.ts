import { randomUUID } from 'node:crypto';
import {
  FORWARDED_CALLS,
  INSTANCE_REFUSED_HEADER,
  InstanceForwarder,
  isDomainError,
  type Logger,
  PLATFORM_DATABASE,
  realmBySlug,
  realmMovingError,
  toHttpStatus,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { passedOn } from '../http/forwarded-route.ts';
import { refusedInstanceCall } from './instance-endpoint.ts';

export interface HookContext {
  root: DependencyContainer;
  logger: Logger;
  /** The request's id, carried to the instance so both logs share it. */
  requestId?: string;
}

/** A moved realm's deliveries wait this long: trackers and providers deliver again. */
const movingRetrySeconds = 30;

/**
 * Where a webhook for a realm is handled (`handleHere` handles it in this process). The instance
 * serving the realm holds the secret the delivery is signed with (a channel's or a source's,
 * moved with the realm's rows and sealed under that instance's key) and the data it changes, so
 * the hub sends a placed realm's deliveries there as they came (body, signature headers) with an
 * instance token, and passes the answer back. A worker takes a delivery only from the hub. An
 * unknown realm is handled here, where it is refused like a bad signature, so the route tells
 * nobody which realms exist; a realm being moved answers 503 until it has landed.
 */
export async function routedHook(
  request: Request,
  realmSlug: string,
  body: string,
  context: HookContext,
  handleHere: () => Promise<Response>,
): Promise<Response> {
  const { root } = context;
  if (root.isRegistered(FORWARDED_CALLS, true))
    return (await refusedHubDelivery(request, context)) ?? handleHere();
  const realm = await realmBySlug(root.resolve(PLATFORM_DATABASE), realmSlug);
  if (realm?.movingTo) {
    return Response.json(
      { error: realmMovingError(realm.slug).message },
      { status: 503, headers: { 'retry-after': String(movingRetrySeconds) } },
    );
  }
  if (!realm?.placement) return handleHere();
  const url = new URL(request.url);
  try {
    const answer = await root
      .resolve(InstanceForwarder)
      .deliverToInstance(realm.placement, realm.slug, context.requestId ?? randomUUID(), {
        method: 'POST',
        path: url.pathname,
        headers: request.headers,
        body,
        signal: request.signal,
      });
    return passedOn(answer);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return Response.json({ error: error.message }, { status: toHttpStatus(error) });
  }
}

/** On a worker: the refusal of a delivery without the hub's instance token, marked as such for the hub. */
async function refusedHubDelivery(request: Request, context: HookContext): Promise<Response | undefined> {
  const refused = await refusedInstanceCall(request, { ...context, requestId: context.requestId ?? '' });
  if (!refused) return undefined;
  const headers = new Headers(refused.headers);
  headers.set(INSTANCE_REFUSED_HEADER, 'true');
  return new Response(refused.body, { status: refused.status, headers });
}
