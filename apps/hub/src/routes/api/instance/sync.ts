import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';
import { realmSyncResponse } from '../../../server/ops/realm-sync.ts';

export const Route = createFileRoute('/api/instance/sync')({
  server: {
    handlers: {
      POST: async ({ request }) => {
        const { root, logger } = await hubRuntime();
        return realmSyncResponse(request, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
