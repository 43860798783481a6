import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { ManualClock, startHub, testPassword } from '../auth/auth-test-setup.ts';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { router } from '../rpc/trpc.ts';
import { createTestDatabase } from '../testing/test-database.ts';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { inServerSpan } from './spans.ts';
import { traceDatabase } from './traced-database.ts';
import { startTracing } from './tracing.ts';

/**
 * What tracing costs a simple call: platform.whoami over the tRPC fetch handler (authentication,
 * two statements, the request and procedure spans), on the embedded database, in one process.
 * Run once with and once without an endpoint (ADR 0052):
 *   npx vitest bench --run src/tracing/tracing-cost.bench.ts
 *   TRACING_COST=on npx vitest bench --run src/tracing/tracing-cost.bench.ts
 * With `on`, spans go to a local receiver that accepts and discards them.
 */
const traced = process.env.TRACING_COST === 'on';
const appRouter = router({ platform: platformRouter });
let call: () => Promise<void>;

beforeAll(async () => {
  if (traced) {
    const receiver = createServer((request, response) => {
      request.resume().on('end', () => response.writeHead(200).end('{}'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  }
  const tracing = await startTracing();
  const created = await createTestDatabase('pglite');
  const db = tracing ? traceDatabase(created) : created;
  const hub = startHub(db, new ManualClock(), {}, fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-cost-')));
  await hub.realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });
  await hub.realmAdmin.createUser({
    email: 'a@example.com',
    realmSlug: 'hub',
    role: 'admin',
    password: testPassword,
  });
  const { token } = await hub.auth.login({
    email: 'a@example.com',
    password: testPassword,
    ip: '203.0.113.7',
  });
  const headers = new Headers({ cookie: `${SESSION_COOKIE}=${token}`, 'sec-fetch-site': 'same-origin' });
  call = async () => {
    const response = await inServerSpan('GET /api/trpc/$', headers, {}, () =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request('http://hub.test/api/trpc/platform.whoami', { headers }),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'bench', req, resHeaders }),
      }),
    );
    if (response.status !== 200) throw new Error(`whoami answered ${response.status}`);
    await response.arrayBuffer();
  };
}, 120_000);

describe(`tracing ${traced ? 'on' : 'off'}`, () => {
  bench('platform.whoami', () => call(), { time: 5_000, warmupTime: 2_000 });
});

// Wall time swings with whatever else the machine runs; the CPU time the process spends per call
// (the embedded database, the receiver and the exporter included) is the steadier measure.
afterAll(async () => {
  const calls = 300;
  const before = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < calls; index++) await call();
  const cpu = process.cpuUsage(before);
  const wallMs = performance.now() - started;
  process.stdout.write(
    `tracing ${traced ? 'on' : 'off'}: ${((cpu.user + cpu.system) / calls) | 0} µs CPU per call, ` +
      `${((calls / wallMs) * 1000).toFixed(0)} calls/s over ${calls} calls\n`,
  );
}, 300_000);
