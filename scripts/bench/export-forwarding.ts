// Forwarded export benchmark: a hub and a worker instance in this process, each on a fresh PostgreSQL
// database, realm `north` placed on the worker with `alerts` alerts there (default 20000). Downloads
// GET /api/export/alerts?format=csv through the hub's route (which forwards it to the worker's HTTP
// server with a forward token and passes the file on as it streams) and straight at the worker's
// route with the token the hub would send, in rounds that alternate the two, so a change in the
// machine's load falls on both. Reports per way the median time to the first byte and to the last,
// and MB/s; the difference is what the hop through the hub costs. Timings are reported, never
// asserted. Prints the load average with the figures.
//
// Usage: pnpm exec tsx scripts/bench/export-forwarding.ts [alerts=20000] [--rounds=5]
//        TEST_DATABASE_URL selects the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
import '../../packages/alert/src/index.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { alertExport, exportResponse } from '../../apps/hub/src/server/http/export-endpoint.ts';
import { jwksResponse } from '../../apps/hub/src/server/ops/jwks.ts';
import { realmSyncResponse } from '../../apps/hub/src/server/ops/realm-sync.ts';
import {
  ApiTokenService,
  applyMigrations,
  CLOCK,
  CONFIG,
  createLogger,
  createRootContainer,
  FORWARD_TOKEN_HEADER,
  ForwardTokens,
  IN_MEMORY,
  InstanceRegistry,
  InstanceSync,
  LOGGER,
  loadConfig,
  openDatabase,
  openRequestScope,
  PLATFORM_DATABASE,
  RealmAdminService,
  RealmDb,
  registerAuth,
  registerFingerprints,
  registerForwardedCalls,
  SigningKeys,
  systemClock,
} from '../../packages/platform/src/index.ts';
import { freshDatabase } from './built-hub.ts';

const alertCount = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 20_000);
const rounds = Number(process.argv.find((arg) => arg.startsWith('--rounds='))?.split('=')[1] ?? 5);
const logger = createLogger({ level: 'warn' });
const cleanups: (() => Promise<unknown>)[] = [];

/** One instance's root container, as the runtime builds it, over a fresh migrated database. */
async function instance(label: string, env: Record<string, string>) {
  const fresh = await freshDatabase('postgres', `nhi_bench_fwd_export_${label}`);
  cleanups.push(() => fresh.drop());
  const db = await openDatabase({ databaseUrl: fresh.url, dataDir: IN_MEMORY, maxConnections: 4 });
  cleanups.push(() => db.close());
  await applyMigrations(db);
  const config = loadConfig({ NHI_DATA_DIR: fresh.dataDir, DATABASE_URL: fresh.url ?? '', ...env });
  const root = createRootContainer();
  root.register(CONFIG, { useValue: config });
  root.register(LOGGER, { useValue: logger });
  root.register(CLOCK, { useValue: systemClock });
  root.register(PLATFORM_DATABASE, { useValue: db });
  registerAuth(root);
  registerFingerprints(root);
  return { root, config, db };
}

async function serve(handler: (request: Request) => Promise<Response>): Promise<string> {
  const server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers))
      if (typeof value === 'string') headers.set(name, value);
    const method = incoming.method ?? 'GET';
    const response = await handler(
      new Request(`http://${incoming.headers.host}${incoming.url}`, {
        method,
        headers,
        ...(method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
      }),
    );
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    for await (const chunk of response.body ?? []) outgoing.write(chunk);
    outgoing.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads a download to its end: the time to its first byte, to its last, and its size. */
async function download(response: Promise<Response>, started: number) {
  const answer = await response;
  if (answer.status !== 200) throw new Error(`answered ${answer.status}: ${await answer.text()}`);
  let firstMs = Number.NaN;
  let bytes = 0;
  for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
    if (bytes === 0) firstMs = performance.now() - started;
    bytes += chunk.byteLength;
  }
  return { firstMs, lastMs: performance.now() - started, bytes };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main() {
  const hub = await instance('hub', {});
  const hubUrl = await serve(() => jwksResponse(hub.root.resolve(SigningKeys)));
  const worker = await instance('worker', {
    NHI_MODE: 'worker',
    NHI_INSTANCE_NAME: 'w1',
    NHI_HUB_URL: hubUrl,
  });
  registerForwardedCalls(worker.root, worker.config);
  const workerDeps = { root: worker.root, logger, requestId: 'bench' };
  const workerUrl = await serve((request) =>
    new URL(request.url).pathname === '/api/instance/sync'
      ? realmSyncResponse(request, workerDeps)
      : exportResponse(request, alertExport, workerDeps),
  );

  const registry = hub.root.resolve(InstanceRegistry);
  await registry.add({ name: 'w1', baseUrl: workerUrl });
  const north = await registry.createRealmOn({ slug: 'north', name: 'North' }, 'w1');
  const { user } = await hub.root
    .resolve(RealmAdminService)
    .createUser({ email: 'ada@example.test', realmSlug: 'north', role: 'admin' });
  await hub.root.resolve(InstanceSync).syncRealm(north.id);
  const realm = { id: north.id, slug: 'north' };
  const scope = await openRequestScope(hub.root, {
    context: { requestId: 'bench', realm, principal: { kind: 'system', name: 'bench' }, clock: systemClock },
    credential: 'bearer',
  });
  const { token, id: tokenId } = await scope.container
    .resolve(ApiTokenService)
    .create({ userId: user.id, name: 'bench' });

  const now = new Date();
  const onWorker = new RealmDb(worker.db, north.id);
  for (let from = 0; from < alertCount; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, alertCount - from) }, (_, i) => ({
      fingerprint: `nhi1.unowned_share:${from + i}`,
      ruleId: 'nhi1.unowned_share',
      owaspId: 'NHI1',
      severity: 'high' as const,
      subject: `arn:aws:iam::123456789012:user/svc-${from + i}`,
      firstSeenAt: now,
      lastSeenAt: now,
      stateChangedAt: now,
    }));
    await onWorker.transaction((tx) => tx.alert.createMany({ data: batch }));
  }

  const path = '/api/export/alerts?format=csv';
  const forwardTokens = hub.root.resolve(ForwardTokens);
  const ways = {
    'through the hub': async () => {
      const started = performance.now();
      const request = new Request(`http://hub.bench${path}&realm=north`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return download(
        exportResponse(request, alertExport, { root: hub.root, logger, requestId: 'bench' }),
        started,
      );
    },
    'straight at the worker': async () => {
      const forward = await forwardTokens.issue({
        instance: 'w1',
        userId: user.id,
        realmId: north.id,
        requestId: 'bench',
        token: { id: tokenId, permissions: [] },
      });
      const started = performance.now();
      return download(
        fetch(`${workerUrl}${path}`, { headers: { [FORWARD_TOKEN_HEADER]: forward } }),
        started,
      );
    },
  };
  const results: Record<string, { firstMs: number; lastMs: number; bytes: number }[]> = {};
  // One of each first, unmeasured: connections, key fetches and code paths warm.
  for (const run of Object.values(ways)) await run();
  for (let round = 0; round < rounds; round += 1)
    for (const [name, run] of Object.entries(ways)) results[name] = [...(results[name] ?? []), await run()];

  console.log(
    `load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} (${os.cpus().length} cores)`,
  );
  console.log(`${alertCount} alerts as CSV, ${rounds} rounds, medians:`);
  for (const [name, runs] of Object.entries(results)) {
    const lastMs = median(runs.map((r) => r.lastMs));
    const mb = (runs[0]?.bytes ?? 0) / 1e6;
    console.log(
      `  ${name.padEnd(24)} first byte ${median(runs.map((r) => r.firstMs)).toFixed(1)} ms, ` +
        `whole ${lastMs.toFixed(0)} ms, ${mb.toFixed(1)} MB, ${(mb / (lastMs / 1000)).toFixed(1)} MB/s`,
    );
  }
}

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
