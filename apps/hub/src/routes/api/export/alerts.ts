import { createFileRoute } from '@tanstack/react-router';
import { alertExport, exportResponse } from '../../../server/http/export-endpoint.ts';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';

export const Route = createFileRoute('/api/export/alerts')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const { root, logger } = await hubRuntime();
        return exportResponse(request, alertExport, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
