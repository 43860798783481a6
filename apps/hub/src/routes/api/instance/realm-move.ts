import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';
import { realmMoveResponse } from '../../../server/ops/realm-move.ts';

export const Route = createFileRoute('/api/instance/realm-move')({
  server: {
    handlers: {
      POST: async ({ request }) => {
        const { root, logger } = await hubRuntime();
        return realmMoveResponse(request, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
