import { maxEventBodyBytes, SourceEvents } from '@nhi/scanner';
import { type HookContext, routedHook } from './hook-routing.ts';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The body, or null past the cap, read without holding more than the cap in memory. */
async function cappedText(request: Request, cap: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > cap) return null;
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > cap) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * POST /api/hooks/sources/<realm>/<source>: public, authenticated by the sender's own scheme
 * (GitHub's X-Hub-Signature-256, GitLab's X-Gitlab-Token, an SNS message signature) checked
 * against the source's settings. A verified event is recorded and may queue a scan (202); the
 * request never scans. Unknown realms and sources and bad signatures are all 401 alike. A realm a
 * worker instance serves has its event checked and recorded there (routedHook).
 */
export async function sourceHookResponse(
  request: Request,
  params: { realm: string; sourceId: string },
  context: HookContext,
): Promise<Response> {
  const body = await cappedText(request, maxEventBodyBytes);
  if (body === null) return json(413, { error: 'too large' });
  return routedHook(request, params.realm, body, context, () => recordedHere(request, params, body, context));
}

async function recordedHere(
  request: Request,
  params: { realm: string; sourceId: string },
  body: string,
  context: HookContext,
): Promise<Response> {
  try {
    const answer = await context.root
      .resolve(SourceEvents)
      .receive(params.realm, params.sourceId, request.headers, body);
    if (answer.status === 401) return json(401, { error: 'bad signature' });
    if (answer.status === 400) return json(400, { error: 'not an event this source reads' });
    return json(answer.status, { accepted: true, duplicate: answer.duplicate, scanId: answer.scanId });
  } catch (error) {
    context.logger.warn({ sourceId: params.sourceId, err: String(error) }, 'source event not recorded');
    return json(503, { error: 'the event could not be recorded; deliver it again' });
  }
}
