import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../../server/hub-runtime.server.ts';
import { oidcCallbackResponse } from '../../../../server/ops/oidc-sign-in.ts';

/**
 * Public by nature: where the provider sends the browser back. Only the flow cookie this browser
 * got at the start, and the provider's signed answer, make a session of it.
 */
export const Route = createFileRoute('/auth/oidc/$provider/callback')({
  server: {
    handlers: {
      GET: async ({ request, params }) => {
        const { root, config, logger } = await hubRuntime();
        return oidcCallbackResponse(request, params.provider, {
          root,
          config,
          logger,
          requestId: currentRequestId(),
        });
      },
    },
  },
});
