import { createFileRoute } from '@tanstack/react-router';
import { healthResponse } from '../server/ops/probes.ts';

export const Route = createFileRoute('/healthz')({
  server: { handlers: { GET: () => healthResponse() } },
});
