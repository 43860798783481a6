import { TicketSync } from '@nhi/alert';
import { type HookContext, routedHook } from './hook-routing.ts';

/** A tracker's webhook body is a ticket event: small; anything larger is not one. */
const maxBodyBytes = 256 * 1024;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * POST /api/hooks/tickets/<realm>/<channel>: public, authenticated by `X-Hub-Signature: sha256=<HMAC
 * of the raw body under the channel's webhook secret>`. A good signature syncs the channel's
 * tickets now (idempotent, so a replay changes nothing); anything else is 401, the same for an
 * unknown realm or channel, so the route tells nobody which exist. A tracker that cannot be
 * reached answers 502 and the tracker retries; the five-minute poll catches up in any case. A realm
 * a worker instance serves has its delivery checked and synced there (routedHook).
 */
export async function ticketHookResponse(
  request: Request,
  params: { realm: string; channelId: string },
  context: HookContext,
): Promise<Response> {
  const body = await request.text();
  if (Buffer.byteLength(body) > maxBodyBytes) return json(413, { error: 'too large' });
  return routedHook(request, params.realm, body, context, () => syncedHere(request, params, body, context));
}

async function syncedHere(
  request: Request,
  params: { realm: string; channelId: string },
  body: string,
  context: HookContext,
): Promise<Response> {
  try {
    const accepted = await context.root
      .resolve(TicketSync)
      .receiveWebhook(params.realm, params.channelId, body, request.headers.get('x-hub-signature'));
    return accepted ? json(202, { accepted: true }) : json(401, { error: 'bad signature' });
  } catch (error) {
    context.logger.warn({ channelId: params.channelId, err: String(error) }, 'ticket webhook sync failed');
    return json(502, { error: 'the tracker could not be read' });
  }
}
