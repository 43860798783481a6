import '@nhi/alert';
import '@nhi/dashboard';
import '@nhi/scanner';
import { createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AlertChannelService } from '@nhi/alert';
import { startFakeJira } from '@nhi/alert/testing/fake-jira-server';
import {
  ApiTokenService,
  createLogger,
  type DatabaseKind,
  INSTANCE_REFUSED_HEADER,
  InstanceRegistry,
  InstanceSync,
  JOB_QUEUE,
  JobQueue,
  openRequestScope,
  RealmDb,
  type RealmRef,
  registerForwardedCalls,
} from '@nhi/platform';
import {
  createTestDatabase,
  describeEachDatabase,
  ManualClock,
  postgresUnavailableReason,
  registerScopedMembers,
  startHub,
  testPassword,
} from '@nhi/platform/testing';
import { ScannerService } from '@nhi/scanner';
import { insertLeakedKey } from '@nhi/scanner/testing/leak-rows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../app-router.ts';
import { jwksResponse } from '../ops/jwks.ts';
import { realmSyncResponse } from '../ops/realm-sync.ts';
import { sourceHookResponse } from '../ops/source-hooks.ts';
import { ticketHookResponse } from '../ops/ticket-hooks.ts';
import { handleTrpcRequest } from '../trpc-handler.ts';
import { alertExport, exportResponse, leakExport } from './export-endpoint.ts';
import { reportPdfResponse } from './report-pdf-endpoint.ts';

const silent = createLogger({ level: 'silent' });
const webhookSecret = 'tracker-webhook-secret-0123456789';
const unavailable = await postgresUnavailableReason();

type Handler = (request: Request) => Promise<Response>;

/** What the shared set-up opened, closed after the file's last test in reverse order. */
type Cleanups = (() => Promise<unknown>)[];

/**
 * `handler` behind a real HTTP server, as the hub's routes are. `holdAfterFirstChunk` keeps a
 * streamed answer to the paths it names open after its first chunk until it resolves: what
 * reaches the client by then was passed on, not gathered whole.
 */
async function serve(
  handler: Handler,
  cleanups: Cleanups,
  holdAfterFirstChunk: (path: string) => Promise<void> | undefined = () => undefined,
) {
  const server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const method = incoming.method ?? 'GET';
    const request = new Request(`http://${incoming.headers.host}${incoming.url}`, {
      method,
      headers: headersOf(incoming.headers),
      ...(method === 'GET' ? {} : { body: Buffer.concat(chunks) }),
    });
    const response = await handler(request);
    const hold = holdAfterFirstChunk(new URL(request.url).pathname);
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    let first = true;
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      outgoing.write(chunk);
      if (first && hold) await hold;
      first = false;
    }
    outgoing.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  cleanups.push(async () => (server.listening ? stop() : undefined));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop };
}

function headersOf(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  return headers;
}

/** One instance's root container over a database of `kind`, configured by `env`. */
async function instanceOn(kind: DatabaseKind, env: Record<string, string>, cleanups: Cleanups) {
  const db = await createTestDatabase(kind, { reuse: true });
  cleanups.push(() => db.close());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-worker-routes-'));
  cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
  const clock = new ManualClock();
  const databaseUrl: Record<string, string> = db.url ? { DATABASE_URL: db.url } : {};
  return { ...startHub(db, clock, { ...env, ...databaseUrl }, dataDir), db, clock };
}

/**
 * A worker instance on its own PostgreSQL database, serving the routes the hub forwards to it.
 * `hold()` keeps the export answers open after their first chunk until the function it returns
 * is called.
 */
async function startWorker(hubUrl: string, cleanups: Cleanups) {
  const env = { NHI_MODE: 'worker', NHI_INSTANCE_NAME: 'w1', NHI_HUB_URL: hubUrl };
  const worker = await instanceOn('postgres', env, cleanups);
  registerForwardedCalls(worker.root, worker.config);
  // Events queue scans on the worker's own queue, which runs none here.
  const jobs = new JobQueue(worker.db.jobStore, silent, { work: false });
  await jobs.start();
  cleanups.push(() => jobs.stop());
  worker.root.register(JOB_QUEUE, { useValue: jobs });
  const deps = () => ({ root: worker.root, logger: silent, requestId: 'worker' });
  const asked: string[] = [];
  let held: Promise<void> | undefined;
  const server = await serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      asked.push(path);
      if (path === '/api/instance/sync') return realmSyncResponse(request, deps());
      if (path.startsWith('/api/trpc/')) return handleTrpcRequest(request, { ...deps(), router: appRouter });
      if (path.startsWith('/api/export/'))
        return exportResponse(request, path.endsWith('/alerts') ? alertExport : leakExport, deps());
      const [, , , kind, realm = '', id = ''] = path.split('/');
      if (kind === 'sources') return sourceHookResponse(request, { realm, sourceId: id }, deps());
      return ticketHookResponse(request, { realm, channelId: id }, deps());
    },
    cleanups,
    (path) => (path.startsWith('/api/export/') ? held : undefined),
  );
  const hold = () => {
    let release = () => {};
    held = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanups.push(async () => release());
    return () => {
      held = undefined;
      release();
    };
  };
  return { ...worker, asked, hold, ...server };
}

/**
 * A hub (on the database under test) with realm `hub` served by itself and realm `north` placed
 * on worker `w1` (on PostgreSQL), Ada admin of north and Nia a viewer whom the worker's policies
 * give no alert or leak reading; an API token for each. Shared by the file's tests: starting the
 * pair costs seconds.
 */
async function setup(kind: DatabaseKind, cleanups: Cleanups) {
  const hub = await instanceOn(kind, {}, cleanups);
  const jwks = await serve(() => jwksResponse(hub.signingKeys), cleanups);
  const worker = await startWorker(jwks.url, cleanups);
  await hub.realmAdmin.createRealm({ slug: 'hub', name: 'Hub' });
  const registry = hub.root.resolve(InstanceRegistry);
  await registry.add({ name: 'w1', baseUrl: worker.url });
  const north = await registry.createRealmOn({ slug: 'north', name: 'North' }, 'w1');
  const member = async (email: string, role: 'admin' | 'viewer') =>
    (await hub.realmAdmin.createUser({ email, realmSlug: 'north', role, password: testPassword })).user;
  const ada = await member('ada@example.test', 'admin');
  const nia = await member('nia@example.test', 'viewer');
  expect((await hub.root.resolve(InstanceSync).syncRealm(north.id))?.result).toMatchObject({ members: 2 });
  registerScopedMembers(worker.root, [{ userId: nia.id, permissions: ['nhi:read'], groupIds: [] }]);
  const realm: RealmRef = { id: north.id, slug: 'north' };
  const bearerOf = async (user: { id: string }) => {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: 'token', realm, principal: { kind: 'system', name: 'test' }, clock: hub.clock },
      credential: 'bearer',
    });
    const { token } = await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'w' });
    return { authorization: `Bearer ${token}` };
  };
  const onWorker = new RealmDb(worker.db, north.id);
  const onHub = new RealmDb(hub.db, north.id);
  const deps = { root: hub.root, logger: silent, requestId: 'hub' };
  const get = (path: string, headers: Record<string, string>) => {
    const request = new Request(`http://hub.test${path}`, { headers });
    if (path.startsWith('/api/reports/')) return reportPdfResponse(request, deps);
    return exportResponse(request, path.startsWith('/api/export/alerts') ? alertExport : leakExport, deps);
  };
  const hook = (channelId: string, body: string, signature: string, realmSlug = 'north') =>
    ticketHookResponse(
      new Request(`http://hub.test/api/hooks/tickets/${realmSlug}/${channelId}`, {
        method: 'POST',
        body,
        headers: { 'x-hub-signature': signature },
      }),
      { realm: realmSlug, channelId },
      deps,
    );
  const sourceEvent = (sourceId: string, body: string, headers: Record<string, string>) =>
    sourceHookResponse(
      new Request(`http://hub.test/api/hooks/sources/north/${sourceId}`, { method: 'POST', body, headers }),
      { realm: 'north', sourceId },
      deps,
    );
  /** A request scope of Ada's on the worker, for writing what only the worker holds. */
  const adaOnWorker = () =>
    openRequestScope(worker.root, {
      context: {
        requestId: 'worker-scope',
        realm,
        principal: { kind: 'user', userId: ada.id, email: ada.email, sessionId: 'test' },
        clock: worker.clock,
      },
      credential: 'forwarded',
    });
  /** The paths the worker was asked for from now on. */
  const askedFromNow = () => {
    const from = worker.asked.length;
    return () => worker.asked.slice(from);
  };
  return {
    hub,
    worker,
    north,
    ada: { ...ada, bearer: await bearerOf(ada) },
    nia: { ...nia, bearer: await bearerOf(nia) },
    onWorker,
    onHub,
    get,
    hook,
    sourceEvent,
    adaOnWorker,
    askedFromNow,
  };
}

/** An open alert of `subject`, written straight into a database's copy of the realm. */
function alertIn(db: RealmDb, subject: string, now: Date) {
  return db.transaction((tx) =>
    tx.alert.create({
      data: {
        fingerprint: `nhi1.unowned_share:${subject}`,
        ruleId: 'nhi1.unowned_share',
        owaspId: 'NHI1',
        severity: 'high',
        subject,
        firstSeenAt: now,
        lastSeenAt: now,
        stateChangedAt: now,
      },
      select: { id: true },
    }),
  );
}

const signatureOf = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe.skipIf(unavailable)('routes for a realm a worker instance serves', () => {
  describeEachDatabase('through the hub', (kind) => {
    // A hub and a worker on two databases take seconds to start: the tests share them, and the
    // one that stops the worker runs last.
    const cleanups: Cleanups = [];
    let t: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      t = await setup(kind, cleanups);
    });
    afterAll(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    it('exports the worker’s alerts, not the hub’s, passing the file on as the worker writes it', async () => {
      await alertIn(t.onWorker, 'kept-on-the-worker', t.hub.clock.now());
      await alertIn(t.onHub, 'left-behind-on-the-hub', t.hub.clock.now());
      const asked = t.askedFromNow();
      const release = t.worker.hold();

      const response = await t.get('/api/export/alerts?format=csv&realm=north', t.ada.bearer);

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toMatch(/filename="nhi-alerts-north-[\d-]+\.csv"/);
      // The worker holds the rest of its answer: the first chunk arrives all the same.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      release();
      let text = new TextDecoder().decode(first.value);
      for (let next = await reader.read(); !next.done; next = await reader.read())
        text += new TextDecoder().decode(next.value);
      expect(text).toContain('kept-on-the-worker');
      expect(text).not.toContain('left-behind-on-the-hub');
      expect(asked()).toEqual(['/api/export/alerts']);
    });

    it('exports the worker’s leaks as SARIF', async () => {
      await t.onWorker.transaction((tx) => insertLeakedKey(tx));

      const response = await t.get('/api/export/leaks?format=sarif', {
        ...t.ada.bearer,
        'x-nhi-realm': 'north',
      });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/sarif+json');
      const log = await response.json();
      expect(log.runs[0].results.map((r: { properties: { hint: string } }) => r.properties.hint)).toEqual([
        'AKIA…WXYZ',
      ]);
    });

    it('answers 403 when the worker’s policies refuse the export, as they decide there', async () => {
      const asked = t.askedFromNow();

      const response = await t.get('/api/export/alerts?format=ocsf&realm=north', t.nia.bearer);

      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      expect(asked()).toEqual(['/api/export/alerts']);
    });

    // Printing is the hub's own and costs seconds of Chromium (its own test covers both databases):
    // where the report comes from is what is tested here, once.
    it.skipIf(kind === 'pglite')(
      'prints the posture report the worker produced from its data, keeping it there',
      async () => {
        const asked = t.askedFromNow();

        const response = await t.get('/api/reports/posture.pdf?realm=north', t.ada.bearer);

        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/pdf');
        expect(response.headers.get('content-disposition')).toMatch(/filename="posture-report-north-/);
        expect(
          Buffer.from(await response.arrayBuffer())
            .subarray(0, 5)
            .toString('latin1'),
        ).toBe('%PDF-');
        expect(asked()).toEqual(['/api/trpc/dashboard.report.produce']);
        expect(await t.onWorker.transaction((tx) => tx.postureReport.count())).toBe(1);
        expect(await t.onHub.transaction((tx) => tx.postureReport.count())).toBe(0);
      },
    );

    it('has a tracker’s webhook checked and synced by the worker, which holds the channel; a bad signature is 401', async () => {
      const jira = await startFakeJira();
      const scope = await t.adaOnWorker();
      const channel = await scope.container.resolve(AlertChannelService).create({
        type: 'jira',
        name: 'Jira',
        baseUrl: jira.baseUrl,
        flavour: jira.flavour,
        projectKey: jira.projectKey,
        email: jira.email,
        apiToken: jira.token,
        webhookSecret,
      });
      const lastSync = () =>
        t.onWorker.transaction(async (tx) => {
          const row = await tx.alertChannel.findUniqueOrThrow({ where: { id: channel.id } });
          return row.lastSyncAt;
        });
      // A delivery that names no ticket of the realm's: the worker syncs the channel from its cursor.
      const body = JSON.stringify({ webhookEvent: 'jira:issue_updated' });
      const asked = t.askedFromNow();

      const forged = await t.hook(channel.id, body, signatureOf('another-secret-0123456789', body));
      expect(forged.status).toBe(401);
      expect(await lastSync()).toBeNull();

      const signed = await t.hook(channel.id, body, signatureOf(webhookSecret, body));
      expect(signed.status).toBe(202);
      expect(await signed.json()).toEqual({ accepted: true });
      expect(await lastSync()).not.toBeNull();
      expect(asked()).toEqual([
        `/api/hooks/tickets/north/${channel.id}`,
        `/api/hooks/tickets/north/${channel.id}`,
      ]);
    });

    it('has a provider’s event checked and recorded by the worker, which queues the scan there', async () => {
      const scope = await t.adaOnWorker();
      const source = await scope.container.resolve(ScannerService).createSource({
        type: 'github',
        name: 'acme org',
        settings: { organization: 'acme' },
        secrets: { token: 'ghs_routeTestToken', webhookSecret },
      });
      const body = JSON.stringify({ action: 'created', installation: { id: 1 } });
      const headers = (secret: string) => ({
        'x-github-event': 'installation',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': signatureOf(secret, body),
      });

      const forged = await t.sourceEvent(source.id, body, headers('another-secret-0123456789'));
      const signed = await t.sourceEvent(source.id, body, headers(webhookSecret));

      expect(forged.status).toBe(401);
      expect(signed.status).toBe(202);
      const { scanId } = await signed.json();
      const scans = await t.onWorker.transaction((tx) =>
        tx.scan.findMany({ select: { id: true, state: true } }),
      );
      expect(scans).toEqual([{ id: scanId, state: 'queued' }]);
      expect(await t.onHub.transaction((tx) => tx.scan.count())).toBe(0);
    });

    it('answers 401 to a webhook for an unknown realm without asking the worker', async () => {
      const asked = t.askedFromNow();

      const response = await t.hook(crypto.randomUUID(), '{}', signatureOf(webhookSecret, '{}'), 'nowhere');

      expect(response.status).toBe(401);
      expect(asked()).toEqual([]);
    });

    it('takes a webhook delivery at the worker only from the hub, marking the refusal for it', async () => {
      const response = await fetch(`${t.worker.url}/api/hooks/tickets/north/${crypto.randomUUID()}`, {
        method: 'POST',
        body: '{}',
        headers: { 'x-hub-signature': signatureOf(webhookSecret, '{}') },
      });

      expect(response.status).toBe(401);
      expect(response.headers.get(INSTANCE_REFUSED_HEADER)).toBe('true');
    });

    it('answers 503 with the reason on every route while the worker is down', async () => {
      await t.worker.stop();

      const answers = [
        await t.get('/api/export/alerts?format=ocsf&realm=north', t.ada.bearer),
        await t.get('/api/reports/posture.pdf?realm=north', t.ada.bearer),
        await t.hook(crypto.randomUUID(), '{}', signatureOf(webhookSecret, '{}')),
      ];

      expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503]);
      for (const answer of answers) {
        expect(answer.headers.get('content-type')).toContain('application/json');
        expect(JSON.stringify(await answer.json())).toContain(
          'Realm north is served by instance w1, which is unavailable',
        );
      }
    });
  });
});
