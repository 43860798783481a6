import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';
import { scimResponse } from '../../../server/ops/scim.ts';

async function handle({ request, params }: { request: Request; params: { _splat?: string } }) {
  const { root, config, logger } = await hubRuntime();
  return scimResponse(request, params._splat ?? '', { root, config, logger, requestId: currentRequestId() });
}

/** SCIM 2.0 provisioning of a realm's users and groups, for the bearer of its SCIM token (ADR 0033). */
export const Route = createFileRoute('/scim/v2/$')({
  server: { handlers: { GET: handle, POST: handle, PUT: handle, PATCH: handle, DELETE: handle } },
});
