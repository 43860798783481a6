import { SigningKeys } from '@nhi/platform';
import { createFileRoute } from '@tanstack/react-router';
import { hubRuntime } from '../../server/hub-runtime.server.ts';
import { jwksResponse } from '../../server/ops/jwks.ts';

export const Route = createFileRoute('/.well-known/jwks.json')({
  server: { handlers: { GET: async () => jwksResponse((await hubRuntime()).root.resolve(SigningKeys)) } },
});
