import {
  FORWARD_TOKEN_HEADER,
  FORWARDED_CALLS,
  isDomainError,
  type Logger,
  RealmSyncReceiver,
  realmSyncSchema,
  toHttpStatus,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';

/** Far above a realm's membership list; a body past it is refused before it is read whole. */
const maxBodyBytes = 16 * 1024 * 1024;

/**
 * POST /api/instance/sync on a worker: the hub sends a realm and its members (whole), signed with
 * an instance token. The hub has nothing to receive: it answers 404 like any unknown path.
 */
export async function realmSyncResponse(
  request: Request,
  deps: { root: DependencyContainer; logger: Logger; requestId: string },
): Promise<Response> {
  if (!deps.root.isRegistered(FORWARDED_CALLS, true))
    return Response.json({ error: 'not found' }, { status: 404 });
  try {
    await deps.root
      .resolve(FORWARDED_CALLS)
      .tokens.verifyInstanceCall(request.headers.get(FORWARD_TOKEN_HEADER) ?? undefined);
  } catch (error) {
    if (isDomainError(error)) return Response.json({ error: error.message }, { status: toHttpStatus(error) });
    throw error;
  }
  if (Number(request.headers.get('content-length') ?? 0) > maxBodyBytes) {
    return Response.json({ error: 'body too large' }, { status: 413 });
  }
  const parsed = realmSyncSchema.safeParse(await request.json().catch(() => undefined));
  if (!parsed.success) {
    return Response.json({ error: 'invalid realm state', issues: parsed.error.issues }, { status: 400 });
  }
  const result = await deps.root.resolve(RealmSyncReceiver).apply(parsed.data);
  deps.logger.info(
    { requestId: deps.requestId, realm: parsed.data.realm.slug, ...result },
    'realm state received from the hub',
  );
  return Response.json(result);
}
