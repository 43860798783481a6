import fs from 'node:fs';
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock, startHub, testPassword } from '../auth/auth-test-setup.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { sql } from '../database/sql-fragments.ts';
import { REALM_DB } from '../database/tokens.ts';
import { LOGGER } from '../di/tokens.ts';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { createLogger } from '../logging/logger.ts';
import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { createTestDatabase, postgresUnavailableReason } from '../testing/test-database.ts';
import { inServerSpan, inSpan, untraced } from './spans.ts';
import { traceDatabase } from './traced-database.ts';
import { startTracing, type Tracing } from './tracing.ts';

/** A span as the OTLP/JSON export carries it, reduced to what the assertions read. */
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

/** A local OTLP/HTTP receiver: what the hub exports, decoded, plus every request body as text. */
async function startReceiver() {
  const spans: ExportedSpan[] = [];
  const bodies: string[] = [];
  const traceparents: string[] = [];
  let serviceName: string | undefined;
  const server = createServer(async (request, response) => {
    const body = await textOf(request);
    if (request.url === '/v1/traces') {
      bodies.push(body);
      for (const resourceSpans of JSON.parse(body).resourceSpans ?? []) {
        serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'] as string;
        for (const scopeSpans of resourceSpans.scopeSpans ?? [])
          for (const span of scopeSpans.spans ?? [])
            spans.push({ ...span, attributes: attributesOf(span.attributes) });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    // Any other path stands for a service the hub calls out to (a connector, a worker instance).
    traceparents.push(String(request.headers.traceparent ?? ''));
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const url = await listen(server);
  return { url, server, spans, bodies, traceparents, serviceName: () => serviceName };
}

function attributesOf(list: { key: string; value: Record<string, unknown> }[] = []) {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

async function textOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tracing: Tracing | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  // What an operator sets; JSON so the receiver reads the export without a protobuf decoder.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  tracing = await startTracing();
});

afterAll(async () => {
  await tracing?.shutdown();
  receiver?.server.close();
});

/** Flushes until a span matching `where` has arrived: export is asynchronous, its timing the machine's. */
async function exported(where: (span: ExportedSpan) => boolean, what: string): Promise<ExportedSpan> {
  for (let attempt = 0; attempt < 200; attempt++) {
    await tracing?.flush();
    const found = receiver.spans.find(where);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No exported span: ${what}`);
}

function childrenOf(parent: ExportedSpan): ExportedSpan[] {
  return receiver.spans.filter((span) => span.parentSpanId === parent.spanId);
}

/** The spans under `root`, at any depth. */
function descendantsOf(root: ExportedSpan): ExportedSpan[] {
  const found: ExportedSpan[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift() as ExportedSpan;
    for (const child of childrenOf(next)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A value a caller sends that must never leave in a trace (statement parameters are not recorded). */
const needle = 'needle-4c1f-not-for-traces';

const probeRouter = router({
  probe: authorizedProcedure('realm:read')
    .input(z.object({ name: z.string() }))
    .query(async ({ ctx, input }) => {
      ctx.root.resolve(LOGGER).info({ requestId: ctx.requestId }, 'probe served');
      const db = ctx.scope.container.resolve(REALM_DB);
      const [read] = await db.read((query) =>
        query<{ n: number }>(sql`SELECT count(*)::int AS n FROM "Nhi" WHERE name = ${input.name}`),
      );
      const counted = await db.transaction((tx) => tx.nhi.count({ where: { name: input.name } }));
      return { read: read?.n, counted };
    }),
});

describeEachDatabase('Tracing to an OTLP collector', (kind) => {
  let hub: ReturnType<typeof startHub> & { db: PlatformDatabase };
  let api: string;
  const lines: Record<string, unknown>[] = [];
  const login = () => hub.auth.login({ email: 'ana@example.com', password: testPassword, ip: '203.0.113.7' });

  // One hub for the file's tests: they add spans and lines, and each looks for its own.
  beforeAll(async () => {
    if (kind === 'postgres' && (await postgresUnavailableReason())) return;
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    const db = traceDatabase(await createTestDatabase(kind));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-tracing-'));
    hub = { ...startHub(db, new ManualClock(), {}, dataDir, logger), db };
    await hub.realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });
    await hub.realmAdmin.createUser({
      email: 'ana@example.com',
      realmSlug: 'hub',
      role: 'admin',
      password: testPassword,
    });
    // The hub's HTTP envelope in miniature: a span per request, continuing the caller's trace.
    const server = createServer(async (request, response) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === 'string') headers.set(name, value);
      const answer = await inServerSpan('GET /api/trpc/$', headers, { 'http.route': '/api/trpc/$' }, () =>
        fetchRequestHandler({
          endpoint: '/api/trpc',
          req: new Request(`http://hub.test${request.url}`, { headers }),
          router: probeRouter,
          createContext: ({ req, resHeaders }) => ({
            root: hub.root,
            requestId: `req-${kind}`,
            req,
            resHeaders,
          }),
        }),
      );
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    });
    api = await listen(server);
    return async () => {
      server.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  });

  it('exports a call as one trace: the caller, the request, the procedure and its statements', async () => {
    const { token } = await login();
    const input = encodeURIComponent(JSON.stringify({ name: needle }));

    const answer = await inSpan('test caller', {}, () =>
      fetch(`${api}/api/trpc/probe?input=${input}`, {
        headers: { cookie: `${SESSION_COOKIE}=${token}`, 'sec-fetch-site': 'same-origin' },
      }),
    );

    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ result: { data: { read: 0, counted: 0 } } });
    const procedure = await exported(
      (span) => span.name === 'trpc probe' && span.attributes['rpc.method'] === 'probe',
      'the procedure',
    );
    const caller = await exported((span) => span.name === 'test caller', 'the caller');
    const request = receiver.spans.find((span) => span.spanId === procedure.parentSpanId);
    // The request continues the caller's trace through the traceparent header fetch sent.
    expect(request?.name).toBe('GET /api/trpc/$');
    expect(request?.traceId).toBe(caller.traceId);
    const outbound = receiver.spans.find((span) => span.spanId === request?.parentSpanId);
    expect(outbound?.parentSpanId).toBe(caller.spanId);
    expect(procedure.attributes).toMatchObject({
      'rpc.system': 'trpc',
      'nhi.procedure.type': 'query',
      'nhi.realm.id': expect.any(String),
      'nhi.outcome': 'ok',
    });
    await exported((span) => span.name === 'prisma:client:db_query', 'an ORM statement');
    const statements = descendantsOf(procedure).filter(
      (span) => typeof span.attributes['db.query.text'] === 'string',
    );
    const texts = statements.map((span) => span.attributes['db.query.text'] as string);
    // The hand-written read and the ORM's count, both with placeholders for the caller's value.
    expect(texts.some((text) => /FROM "Nhi" WHERE name = \$1/.test(text))).toBe(true);
    expect(statements.some((span) => span.name === 'prisma:client:db_query')).toBe(true);
    expect(statements.every((span) => span.traceId === caller.traceId)).toBe(true);
  });

  it('writes the trace id into the log lines of the request, beside its request id', async () => {
    const served = lines.find((line) => line.msg === 'probe served');

    expect(served).toMatchObject({
      requestId: `req-${kind}`,
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    // Written by the procedure's handler: the line names the procedure's span in the request's trace.
    const procedure = await exported((span) => span.spanId === served?.span_id, 'the span of the line');
    expect(procedure).toMatchObject({ name: 'trpc probe', traceId: served?.trace_id });
    expect(receiver.serviceName()).toBe('nhi-hub');
  });

  it('runs each job in a span of its own, with its statements inside', async () => {
    const queue = new JobQueue(hub.db.jobStore, createLogger({ level: 'silent' }), {
      pollingIntervalSeconds: 0.5,
    });
    await queue.register('test.traced', async () => {
      await hub.db.systemQuery('traced-job', 'SELECT $1::text AS echoed', [needle]);
    });
    await queue.start();
    try {
      const realm = await hub.db.systemPrisma.realm.findFirstOrThrow({ where: { slug: 'hub' } });
      // Queued while serving something (a request starting a scan): the job joins that trace.
      const queuedBy = await inSpan('test enqueue', {}, async (span) => {
        await queue.enqueue('test.traced', { realmId: realm.id });
        return span.spanContext();
      });

      const job = await exported(
        (span) => span.name === 'job test.traced' && span.traceId === queuedBy.traceId,
        'the job',
      );
      const run = receiver.spans.find((span) => span.spanId === job.parentSpanId);
      expect(run?.name).toBe('process test.traced');
      expect(job.attributes).toMatchObject({ 'nhi.job.name': 'test.traced', 'nhi.realm.id': realm.id });
      expect(childrenOf(job).map((span) => [span.name, span.attributes['db.query.text']])).toContainEqual([
        'sql traced-job',
        'SELECT $1::text AS echoed',
      ]);
    } finally {
      await queue.stop(2_000);
    }
  });

  it('spans outbound calls and sends their trace along, as to a connector or a worker instance', async () => {
    const parent = await inSpan('test outbound', {}, async (span) => {
      await fetch(`${receiver.url}/connector`);
      return span.spanContext();
    });

    const outbound = await exported(
      (span) => span.parentSpanId === parent.spanId && span.attributes['http.request.method'] === 'GET',
      'the outbound call',
    );
    expect(receiver.traceparents).toContain(`00-${parent.traceId}-${outbound.spanId}-01`);
  });

  it('spans node:http calls too, imported by name as bundled code does, without their query', async () => {
    const parent = await inSpan('test node http', {}, async (span) => {
      await new Promise<void>((resolve, reject) =>
        httpGet(`${receiver.url}/legacy?token=${needle}`, (response) =>
          response.resume().on('end', resolve),
        ).on('error', reject),
      );
      return span.spanContext();
    });

    const outbound = await exported((span) => span.parentSpanId === parent.spanId, 'the node:http call');
    expect(outbound.attributes['url.full']).toBe(`${receiver.url}/legacy`);
    expect(receiver.traceparents).toContain(`00-${parent.traceId}-${outbound.spanId}-01`);
  });

  it('leaves out the statements of loops that poll on a timer', async () => {
    await untraced(async () => {
      await hub.db.systemQuery('polled', `SELECT 'polled-${kind}' AS round`, []);
      await hub.db.systemPrisma.$queryRaw`SELECT 'polled-orm' AS round`;
    });
    await inSpan('test marker', {}, async () => {});

    await exported((span) => span.name === 'test marker', 'a span made afterwards');
    expect(receiver.bodies.join('\n')).not.toContain('polled-');
  });

  it('sends no credential and no statement value with the traces', async () => {
    const { token } = await login();
    await fetch(`${api}/api/trpc/probe?input=${encodeURIComponent(JSON.stringify({ name: needle }))}`, {
      headers: { cookie: `${SESSION_COOKIE}=${token}`, 'sec-fetch-site': 'same-origin' },
    });
    await exported((span) => span.name === 'trpc probe' && span.attributes['nhi.outcome'] === 'ok', 'a call');

    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(needle);
    expect(everything).not.toContain(token);
    expect(everything.toLowerCase()).not.toContain('cookie');
    expect(everything.toLowerCase()).not.toContain('authorization');
  });
});
