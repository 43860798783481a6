import { createFileRoute } from '@tanstack/react-router';
import { exportResponse, leakExport } from '../../../server/http/export-endpoint.ts';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';

export const Route = createFileRoute('/api/export/leaks')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const { root, logger } = await hubRuntime();
        return exportResponse(request, leakExport, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
