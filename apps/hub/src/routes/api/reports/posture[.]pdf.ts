import { createFileRoute } from '@tanstack/react-router';
import { reportPdfResponse } from '../../../server/http/report-pdf-endpoint.ts';
import { currentRequestId } from '../../../server/http/request-store.server.ts';
import { hubRuntime } from '../../../server/hub-runtime.server.ts';

export const Route = createFileRoute('/api/reports/posture.pdf')({
  server: {
    handlers: {
      GET: async ({ request }) => {
        const { root, logger } = await hubRuntime();
        return reportPdfResponse(request, { root, logger, requestId: currentRequestId() });
      },
    },
  },
});
