import { CLOCK, PLATFORM_DATABASE, RealmStore, realmMoveOpSchema, runRealmMoveOp } from '@nhi/platform';
import { domainErrorResponse, type InstanceEndpointDeps, refusedInstanceCall } from './instance-endpoint.ts';

/**
 * POST /api/instance/realm-move on a worker: one step of `nhi realm move` (export a page, import
 * a page, count, prepare, remove), signed with an instance token like the realm sync. Pages are
 * kept under the instance endpoints' body limit by the hub. The hub runs its own end in process,
 * so it answers 404 like any unknown path.
 */
export async function realmMoveResponse(request: Request, deps: InstanceEndpointDeps): Promise<Response> {
  const refused = await refusedInstanceCall(request, deps);
  if (refused) return refused;
  const parsed = realmMoveOpSchema.safeParse(await request.json().catch(() => undefined));
  if (!parsed.success) {
    return Response.json({ error: 'invalid realm move step', issues: parsed.error.issues }, { status: 400 });
  }
  const step = parsed.data;
  try {
    const result = await runRealmMoveOp(new RealmStore(deps.root.resolve(PLATFORM_DATABASE)), step, {
      isHub: false,
      now: deps.root.resolve(CLOCK).now(),
    });
    if (step.op !== 'export' && step.op !== 'import' && step.op !== 'counts' && step.op !== 'activeScans')
      deps.logger.info({ requestId: deps.requestId, step: step.op }, 'realm move step done');
    return Response.json({ result: result ?? null });
  } catch (error) {
    return domainErrorResponse(error);
  }
}
