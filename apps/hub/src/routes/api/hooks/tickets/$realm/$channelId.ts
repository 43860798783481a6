import { createFileRoute } from '@tanstack/react-router';
import { currentRequestId } from '../../../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../../../server/hub-runtime.server.ts';
import { ticketHookResponse } from '../../../../../server/ops/ticket-hooks.ts';

/** A ticket tracker's webhook (Jira, ServiceNow): no session, the body's HMAC signature instead. */
export const Route = createFileRoute('/api/hooks/tickets/$realm/$channelId')({
  server: {
    handlers: {
      POST: async ({ request, params }) => {
        const { root, logger } = await hubRuntime();
        return ticketHookResponse(request, params, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
