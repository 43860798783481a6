import { createFileRoute } from '@tanstack/react-router';
import { appRouter } from '../../../server/app-router.ts';
import { clientAddress } from '../../../server/functions/client-address.server.ts';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';
import { handleTrpcRequest } from '../../../server/trpc-handler.ts';

async function handle({ request }: { request: Request }): Promise<Response> {
  const { root, logger, config } = await hubRuntime();
  return handleTrpcRequest(request, {
    root,
    logger,
    router: appRouter,
    requestId: currentRequestId(),
    clientAddress: clientAddress(config.NHI_TRUST_PROXY),
  });
}

export const Route = createFileRoute('/api/trpc/$')({
  server: { handlers: { GET: handle, POST: handle } },
});
