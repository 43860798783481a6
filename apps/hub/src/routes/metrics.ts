import { createFileRoute } from '@tanstack/react-router';
import { hubRuntime } from '../server/hub-runtime.server.ts';
import { metricsResponse } from '../server/ops/probes.ts';

export const Route = createFileRoute('/metrics')({
  server: { handlers: { GET: async () => metricsResponse((await hubRuntime()).metrics) } },
});
