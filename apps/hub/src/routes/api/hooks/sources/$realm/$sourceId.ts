import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../../../server/hub-runtime.server.ts';
import { sourceHookResponse } from '../../../../../server/ops/source-hooks.ts';

/** A provider's event about a discovery source (GitHub, GitLab, AWS through SNS): no session, the sender's signature instead. */
export const Route = createFileRoute('/api/hooks/sources/$realm/$sourceId')({
  server: {
    handlers: {
      POST: async ({ request, params }) => {
        const { root, logger } = await hubRuntime();
        return sourceHookResponse(request, params, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
