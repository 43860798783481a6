import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inSpan } from './spans.ts';
import { startTracing, type Tracing } from './tracing.ts';

/** What arrives at a collector that speaks only the default protocol. */
const received: { contentType: string; body: Buffer }[] = [];
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  received.push({ contentType: String(request.headers['content-type']), body: Buffer.concat(chunks) });
  response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
});
let tracing: Tracing | undefined;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Only the endpoint, as most operators set it: no protocol, no service name.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tracing = await startTracing();
});

afterAll(async () => {
  await tracing?.shutdown();
  server.close();
});

it('exports OTLP over HTTP/protobuf by default, as nhi-hub', async () => {
  await inSpan('trpc nhi.list', {}, async () => {});
  await tracing?.flush();

  // Strings travel as they are inside protobuf: the span's and the service's names are in the body.
  const exported = received.find((request) => request.body.includes('trpc nhi.list'));
  expect(exported?.contentType).toBe('application/x-protobuf');
  expect(exported?.body.includes('nhi-hub')).toBe(true);
});
