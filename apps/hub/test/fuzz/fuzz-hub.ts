import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AuthService,
  CLOCK,
  CONFIG,
  createLogger,
  createRootContainer,
  type DatabaseKind,
  JOB_QUEUE,
  JobQueue,
  LOGGER,
  loadConfig,
  PLATFORM_DATABASE,
  RealmAdminService,
  registerAuth,
  registerFingerprints,
  SESSION_COOKIE,
} from '@nhi/platform';
import { createTestDatabase, type TestDatabase } from '@nhi/platform/testing';
import { registerPolicy } from '@nhi/policy';
import { registerScannerJobs } from '@nhi/scanner';
import { appRouter } from '../../src/server/app-router.ts';
import { savedViews } from '../../src/server/domains.ts';
import { handleTrpcRequest } from '../../src/server/trpc-handler.ts';
import { ManualClock, testPassword } from '../support/hub-setup.ts';

const origin = 'http://hub.test';
const day = 86_400_000;

export type ProcedureType = 'query' | 'mutation';

export interface CallResult {
  status: number;
  body: string;
  json: unknown;
  /** What the hub logged at warn level or above while answering. */
  logs: LogLine[];
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** The objects one realm holds, by the kind of id a procedure takes. */
export interface RealmObjects {
  userId: string;
  nhi: string;
  credential: string;
  group: string;
  policy: string;
  assignment: string;
  source: string;
  scan: string;
  channel: string;
  delivery: string | undefined;
  alert: string | undefined;
  token: string;
  scimToken: string;
}

export interface RawRequest {
  method: 'GET' | 'POST';
  query?: string;
  body?: string;
  contentType?: string;
}

/**
 * A hub over a fresh database with two realms, each with an admin holding an API token and one
 * object of every kind, called through the hub's own /api/trpc handler. The job queue only
 * enqueues (no scan or delivery runs in the background); webhooks go to a local sink.
 */
export async function startFuzzHub(kind: DatabaseKind) {
  const db: TestDatabase = await createTestDatabase(kind);
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-fuzz-'));
  const sink = await startWebhookSink();
  const clock = new ManualClock();
  const logged: LogLine[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => logged.push(JSON.parse(line) as LogLine) },
  });
  const root = createRootContainer();
  // Thousands of changes on purpose: write limits would answer 429 before the inputs reach a handler.
  root.register(CONFIG, {
    useValue: loadConfig({
      NHI_DATA_DIR: dataDir,
      NHI_WRITE_LIMIT_PER_USER: '0',
      NHI_WRITE_LIMIT_PER_ADDRESS: '0',
    }),
  });
  root.register(LOGGER, { useValue: logger });
  root.register(CLOCK, { useValue: clock });
  root.register(PLATFORM_DATABASE, { useValue: db });
  registerAuth(root);
  registerFingerprints(root);
  registerPolicy(root);
  const jobs = new JobQueue(db.jobStore, logger, { work: false, schedule: false });
  await jobs.start();
  root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(root);
  savedViews.services?.(root);

  async function send(request: Request): Promise<CallResult> {
    const mark = logged.length;
    const response = await handleTrpcRequest(request, { root, logger, router: appRouter, requestId: 'fuzz' });
    const body = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    return { status: response.status, body, json, logs: logged.slice(mark) };
  }

  function requestFor(
    procedure: string,
    type: ProcedureType,
    input: unknown,
    headers: Record<string, string>,
  ) {
    const url = `${origin}/api/trpc/${procedure}`;
    if (type === 'query') {
      const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return new Request(`${url}${query}`, { headers });
    }
    return new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }

  const realmAdmin = root.resolve(RealmAdminService);
  const auth = root.resolve(AuthService);

  async function adminOf(slug: string) {
    await realmAdmin.createRealm({ slug, name: slug });
    const email = `admin@${slug}.test`;
    const { user } = await realmAdmin.createUser({
      email,
      realmSlug: slug,
      role: 'admin',
      password: testPassword,
    });
    const session = await auth.login({ email, password: testPassword, ip: '203.0.113.9' });
    const cookie = { cookie: `${SESSION_COOKIE}=${session.token}`, 'sec-fetch-site': 'same-origin' };
    const created = await send(requestFor('platform.tokens.create', 'mutation', { name: 'fuzz' }, cookie));
    const token = dataOf(created) as { id: string; token: string };
    return { userId: user.id, tokenId: token.id, headers: { authorization: `Bearer ${token.token}` } };
  }

  const realms = { a: await adminOf('alpha'), b: await adminOf('beta') };
  type Realm = keyof typeof realms;

  /** One call as the realm's admin; the input goes as `?input=` (queries) or the JSON body. */
  const call = (realm: Realm, procedure: string, type: ProcedureType, input: unknown) =>
    send(requestFor(procedure, type, input, realms[realm].headers));

  /** One call with the given headers in place of the admin's credentials. */
  const callWith = (
    headers: Record<string, string>,
    procedure: string,
    type: ProcedureType,
    input: unknown,
  ) => send(requestFor(procedure, type, input, headers));

  /** A request the tRPC client would never send, as the realm's admin. */
  function raw(realm: Realm, procedure: string, request: RawRequest) {
    const headers: Record<string, string> = { ...realms[realm].headers };
    if (request.contentType) headers['content-type'] = request.contentType;
    const query = request.query ? `?${request.query}` : '';
    return send(
      new Request(`${origin}/api/trpc/${procedure}${query}`, {
        method: request.method,
        headers,
        body: request.method === 'POST' ? request.body : undefined,
      }),
    );
  }

  /** Calls that must succeed while the realm is populated. */
  async function must(realm: Realm, procedure: string, type: ProcedureType, input?: unknown) {
    const result = await call(realm, procedure, type, input);
    if (result.status !== 200) {
      throw new Error(`${procedure} answered ${result.status} while seeding: ${result.body.slice(0, 500)}`);
    }
    return dataOf(result) as Record<string, unknown>;
  }

  async function populate(realm: Realm): Promise<RealmObjects> {
    const nhi = await must(realm, 'nhi.create', 'mutation', {
      kind: 'service_account',
      provider: 'aws',
      externalId: `arn:aws:iam::123456789012:user/fuzz-${realm}`,
      name: `fuzz-${realm}`,
    });
    const nhiId = nhi.id as string;
    const added = await must(realm, 'nhi.credential.add', 'mutation', {
      nhiId,
      kind: 'access_key',
      secret: `AKIAFUZZ${realm.toUpperCase()}0000000000`,
      lastRotatedAt: new Date(clock.now().getTime() - 400 * day).toISOString(),
    });
    const group = await must(realm, 'policy.createGroup', 'mutation', { name: `Fuzz ${realm}` });
    const policy = await must(realm, 'policy.createPolicy', 'mutation', {
      name: `Fuzz ${realm}`,
      permissions: ['nhi:read'],
    });
    const assignment = await must(realm, 'policy.assign', 'mutation', {
      policyId: policy.id,
      groupId: group.id,
      reason: 'fuzz',
    });
    await must(realm, 'policy.addMember', 'mutation', { groupId: group.id, userId: realms[realm].userId });
    const source = await must(realm, 'scanner.source.create', 'mutation', {
      type: 'aws_iam',
      name: `fuzz ${realm}`,
    });
    const scan = await must(realm, 'scanner.scan.start', 'mutation', {
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'report.csv', contentBase64: Buffer.from('user,arn\n').toString('base64') },
    });
    const channel = await must(realm, 'alert.channels.create', 'mutation', {
      type: 'webhook',
      url: `${sink.url}/hook`,
      name: `fuzz ${realm}`,
    });
    await must(realm, 'alert.channels.test', 'mutation', { id: channel.id });
    const deliveries = (await must(realm, 'alert.deliveries.list', 'query', {})) as unknown as {
      id: string;
    }[];
    await must(realm, 'alert.evaluate', 'mutation');
    const alerts = (await must(realm, 'alert.list', 'query', {})) as { items?: { id: string }[] };
    const scimToken = await must(realm, 'platform.scimTokens.create', 'mutation', { name: `fuzz ${realm}` });
    return {
      userId: realms[realm].userId,
      nhi: nhiId,
      credential: idIn(added, 'credential'),
      group: group.id as string,
      policy: policy.id as string,
      assignment: idIn(assignment, 'assignment'),
      source: source.id as string,
      scan: idIn(scan, 'scan'),
      channel: idIn(channel, 'channel'),
      delivery: deliveries[0]?.id,
      alert: alerts.items?.[0]?.id,
      token: realms[realm].tokenId,
      scimToken: scimToken.id as string,
    };
  }

  const objects = { a: await populate('a'), b: await populate('b') };

  return {
    kind,
    clock,
    objects,
    call,
    callWith,
    raw,
    async close() {
      await jobs.stop();
      await db.close();
      await sink.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type FuzzHub = Awaited<ReturnType<typeof startFuzzHub>>;

function dataOf(result: CallResult): unknown {
  return (result.json as { result?: { data?: unknown } } | undefined)?.result?.data;
}

/** The id of what a call created: `id` on the answer, or on its part named `key`. */
function idIn(data: Record<string, unknown>, key: string): string {
  const nested = data[key] as { id?: unknown } | undefined;
  const id = typeof data.id === 'string' ? data.id : nested?.id;
  if (typeof id !== 'string') throw new Error(`no ${key} id in ${JSON.stringify(data).slice(0, 300)}`);
  return id;
}

/** A webhook receiver on a local port that accepts everything. */
async function startWebhookSink() {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
