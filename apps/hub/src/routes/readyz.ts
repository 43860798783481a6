import { createFileRoute } from '@tanstack/react-router';
import { runningHubRuntime } from '../server/hub-runtime.server.ts';
import { buildVersion } from '../server/ops/build-version.ts';
import { readinessResponse } from '../server/ops/probes.ts';

export const Route = createFileRoute('/readyz')({
  server: {
    handlers: { GET: () => readinessResponse(runningHubRuntime()?.database, { version: buildVersion }) },
  },
});
