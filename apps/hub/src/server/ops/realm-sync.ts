import { RealmSyncReceiver, realmSyncSchema } from '@nhi/platform';
import { type InstanceEndpointDeps, refusedInstanceCall } from './instance-endpoint.ts';

/** Far above a realm's membership list; a body past it is refused before it is read whole. */
const maxBodyBytes = 16 * 1024 * 1024;

/**
 * POST /api/instance/sync on a worker: the hub sends a realm and its members (whole), signed with
 * an instance token. The hub has nothing to receive: it answers 404 like any unknown path.
 */
export async function realmSyncResponse(request: Request, deps: InstanceEndpointDeps): Promise<Response> {
  const refused = await refusedInstanceCall(request, deps);
  if (refused) return refused;
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
