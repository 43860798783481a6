import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../../server/hub-runtime.server.ts';
import { oidcStartResponse } from '../../../../server/ops/oidc-sign-in.ts';

/** Public by nature: the start of a sign-in at the provider `$provider` (see ADR 0031). */
export const Route = createFileRoute('/auth/oidc/$provider/start')({
  server: {
    handlers: {
      GET: async ({ request, params }) => {
        const { root, config, logger } = await hubRuntime();
        return oidcStartResponse(request, params.provider, {
          root,
          config,
          logger,
          requestId: currentRequestId(),
        });
      },
    },
  },
});
