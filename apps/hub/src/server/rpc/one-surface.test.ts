import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertDelivery } from '@nhi/alert';
import {
  ApiTokenService,
  authenticateRequest,
  createLogger,
  JOB_QUEUE,
  JobQueue,
  LOGGER,
  openRequestScope,
  procedurePermissions,
  type RealmSummary,
  registerDomainServices,
  SESSION_COOKIE,
  superjsonClient,
  WIRE_FORMAT_HEADER,
} from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { ScanRunner } from '@nhi/scanner';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { type AppRouter, appRouter } from '../app-router.ts';
import { hubDomains } from '../domains.ts';
import { handleTrpcRequest, trpcEndpoint } from '../trpc-handler.ts';
import { type HubCaller, hubCaller } from './caller.server.ts';

const origin = 'http://hub.test';
const silent = createLogger({ level: 'silent' });

/**
 * Procedures the scenario leaves out, with the reason. Keep it short: a procedure belongs here
 * only when its work cannot be done the same way twice in a test.
 */
const notCompared: Record<string, string> = {};

type ScenarioHub = Awaited<ReturnType<typeof setupScenarioHub>>;

/**
 * A hub as the runtime builds it (the domains' services, a job queue for scans), realm `hub`
 * with an admin and an editor, the admin also in realm `ops`; an API token of the admin and a
 * session of hers. Every call moves the hub's clock one second on, so rows made by different
 * calls never share a time and lists sort the same on every hub.
 */
async function setupScenarioHub(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  registerDomainServices(hub.root, hubDomains);
  // Scans run when the scenario says (runScan), never on a worker's timing.
  const jobs = new JobQueue(hub.db.jobStore, hub.root.resolve(LOGGER), { work: false, schedule: false });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  hub.root.register(JOB_QUEUE, { useValue: jobs });
  const realm = await hub.realm('hub', 'Hub');
  await hub.realm('ops', 'Operations');
  const ada = await hub.member('ada@example.test', 'hub', 'admin');
  await hub.member('ada@example.test', 'ops', 'viewer');
  await hub.member('eve@example.test', 'hub', 'editor');
  const credentials: Record<Credential, Record<string, string>> = {
    token: { authorization: `Bearer ${await apiTokenOf(hub, realm, ada.id)}` },
    session: { cookie: `${SESSION_COOKIE}=${(await hub.logIn('ada@example.test')).token}` },
  };
  let requests = 0;

  /** What each request does first: its own id, and time moving on. */
  function nextRequest(): string {
    hub.clock.advanceSeconds(1);
    requests += 1;
    return `req-${requests}`;
  }

  const world: HubWorld = {
    runScan: (scanId) => hub.root.resolve(ScanRunner).run(realm.id, scanId),
    // One attempt each: a notification that cannot be delivered is dead at once, to be retried.
    deliverDue: async () => {
      await hub.root.resolve(AlertDelivery).deliverDue(realm.id, { maxAttempts: 1 });
    },
  };

  return { ...hub, realm, credentials, nextRequest, world };
}

async function apiTokenOf(hub: Awaited<ReturnType<typeof setupHub>>, realm: RealmSummary, userId: string) {
  const scope = await openRequestScope(hub.root, {
    context: { requestId: 'setup', realm, principal: { kind: 'system', name: 'test' }, clock: hub.clock },
    credential: 'bearer',
  });
  return (await scope.container.resolve(ApiTokenService).create({ userId, name: 'scenario' })).token;
}

/** The hub's caller, as a serverFn holds it: a scope opened from the request's credentials. */
function inProcess(hub: ScenarioHub, credential: Credential): Invoke {
  return async (procedure, method, input) => {
    const scope = await authenticateRequest(hub.root, {
      headers: new Headers(hub.credentials[credential]),
      requestId: hub.nextRequest(),
    });
    return callOn(hubCaller(hub.root, scope), procedure, method, input);
  };
}

/** Our own client over /api/trpc: superjson both ways, each request handed to the handler. */
function superjsonOverHttp(hub: ScenarioHub, credential: Credential = 'token'): HubCaller {
  // A session comes from our own pages; a token needs no same-origin proof.
  const sameOrigin = credential === 'session' ? { 'sec-fetch-site': 'same-origin' } : {};
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${origin}${trpcEndpoint}`,
        transformer: superjsonClient.transformer,
        headers: { ...superjsonClient.headers, ...hub.credentials[credential], ...sameOrigin },
        fetch: (url, init) =>
          handleTrpcRequest(new Request(url, init as RequestInit), {
            root: hub.root,
            logger: silent,
            router: appRouter,
            requestId: hub.nextRequest(),
          }),
      }),
    ],
  });
}

function overHttp(hub: ScenarioHub, credential: Credential): Invoke {
  const client = superjsonOverHttp(hub, credential);
  return (procedure, method, input) => callOn(client, procedure, method, input);
}

/** A plain HTTP request, as curl sends it: no wire header unless given. */
function plainRequest(
  hub: ScenarioHub,
  path: string,
  options: { input?: unknown; body?: unknown; headers?: Record<string, string> } = {},
) {
  const query =
    options.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(options.input))}`;
  const request = new Request(`${origin}${trpcEndpoint}/${path}${query}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      ...hub.credentials.token,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return handleTrpcRequest(request, {
    root: hub.root,
    logger: silent,
    router: appRouter,
    requestId: 'plain',
  });
}

type Credential = 'token' | 'session';
type Method = 'query' | 'mutate';
type Invoke = (procedure: string, method: Method, input: unknown) => Promise<unknown>;

interface ClientNode {
  [key: string]: ClientNode;
  (input?: unknown): Promise<unknown>;
}

function callOn(client: HubCaller, procedure: string, method: Method, input: unknown): Promise<unknown> {
  const node = procedure
    .split('.')
    .reduce((at, key) => at[key] as ClientNode, client as unknown as ClientNode);
  return node[method]?.(input) as Promise<unknown>;
}

interface CallError {
  code: string | undefined;
  httpStatus: number | undefined;
  message: string;
}

type Step = { procedure: string } & ({ data: unknown } | { error: CallError });

function errorOf(error: unknown): CallError {
  if (error instanceof TRPCClientError) {
    const data = error.data as { code?: string; httpStatus?: number } | undefined;
    return { code: data?.code, httpStatus: data?.httpStatus, message: error.message };
  }
  return { code: undefined, httpStatus: undefined, message: String(error) };
}

/**
 * A client with the hub caller's type that runs each call through `invoke` and records it. The
 * path is read from the call itself (`api.nhi.get.query`), so the record cannot name another.
 */
function recording(invoke: Invoke, steps: Step[]): HubCaller {
  const node = (path: readonly string[]): unknown =>
    new Proxy(() => undefined, {
      get: (_target, key) => (typeof key === 'string' ? node([...path, key]) : undefined),
      apply: async (_target, _this, args: unknown[]) => {
        const method = path.at(-1) as Method;
        const procedure = path.slice(0, -1).join('.');
        try {
          const data = await invoke(procedure, method, args[0]);
          steps.push({ procedure, data });
          return data;
        } catch (error) {
          steps.push({ procedure, error: errorOf(error) });
          throw error;
        }
      },
    });
  return node([]) as HubCaller;
}

/** The last step of a run that ended early, with what ended it. */
const stopped = '(scenario stopped)';

async function runScenario(
  invokeAs: (credential: Credential) => Invoke,
  world: Omit<ScenarioWorld, 'session'>,
): Promise<Step[]> {
  const steps: Step[] = [];
  try {
    await scenario(recording(invokeAs('token'), steps), {
      ...world,
      session: recording(invokeAs('session'), steps),
    });
  } catch (error) {
    // An unexpected failure ends the run; the steps up to it are still compared.
    steps.push({ procedure: stopped, error: errorOf(error) });
  }
  return steps;
}

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const textRewrites: [RegExp, string][] = [
  [/nhi_[0-9A-Za-z]{43}/g, '<api-token>'],
  [/\/invite\/[A-Za-z0-9_-]{43}/g, '/invite/<password-link>'],
  [/^nhi_[0-9A-Za-z]{8}$/, '<api-token-prefix>'],
  [/nhiscim_[0-9A-Za-z]{43}/g, '<scim-token>'],
  [/^nhiscim_[0-9A-Za-z]{8}$/, '<scim-token-prefix>'],
  [/whsec_[A-Za-z0-9_-]{32}/g, '<signing-secret>'],
  [/\b[0-9a-f]{64}\b/g, '<fingerprint>'],
];

/**
 * Answers whose lists break ties by random ids: rows one statement made at one instant (the
 * alerts of an evaluation, their notifications, identities of equal risk). Two hubs order those
 * rows differently, so these answers are compared with every list in a canonical order.
 */
const tiesBrokenByRandomIds: Record<string, string> = {
  'alert.list': 'alerts opened by one evaluation share their time; their ids break the tie',
  'alert.deliveries.list': 'notifications queued by one evaluation share their time',
  'alert.channels.page': 'its delivery log holds those notifications',
  'dashboard.overview': 'its lists of alerts and identities tie on time and risk',
  'dashboard.combinedOverview': 'the same lists, of every realm',
  'dashboard.search': 'alerts of one evaluation share their time',
  'nhi.suggestion.list': 'suggestions of one pass share their time; identity ids break the tie',
};

/**
 * One hub's answers with its own ids as `<id:n>` (numbered by first appearance over the whole
 * run), dates as `<Date>`, and generated secrets and fingerprints as placeholders. Types stay:
 * a Date and a string never normalize to the same value, nor do class instances and plain objects.
 */
function normalizer() {
  const ids = new Map<string, string>();
  const numbered = (uuid: string) => {
    const key = uuid.toLowerCase();
    if (!ids.has(key)) ids.set(key, `<id:${ids.size + 1}>`);
    return ids.get(key) as string;
  };
  // For sorting only: ids seen before by their number, new ones all alike (and not numbered yet).
  const known = (uuid: string) => ids.get(uuid.toLowerCase()) ?? '<id>';

  const walk = (value: unknown, idOf: (uuid: string) => string): unknown => {
    const text = (item: string) =>
      textRewrites
        .reduce((out, [pattern, placeholder]) => out.replace(pattern, placeholder), item)
        .replace(uuidPattern, idOf);
    const inner = (item: unknown) => walk(item, idOf);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? '<Invalid Date>' : '<Date>';
    if (typeof value === 'string') return text(value);
    if (typeof value === 'bigint') return { '<bigint>': String(value) };
    if (Array.isArray(value)) return value.map(inner);
    if (value instanceof Map) return { '<Map>': [...value].map(inner) };
    if (value instanceof Set) return { '<Set>': [...value].map(inner) };
    if (value && typeof value === 'object') {
      const entries = Object.entries(value).map(([key, item]) => [text(key), inner(item)]);
      const prototype = Object.getPrototypeOf(value);
      const plain = prototype === Object.prototype || prototype === null;
      return plain
        ? Object.fromEntries(entries)
        : { [`<${prototype?.constructor?.name}>`]: Object.fromEntries(entries) };
    }
    return value;
  };

  /** Every list sorted by what it holds, with new ids masked: the same order on both hubs. */
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const sortKey = (item: unknown) => JSON.stringify(walk(item, known));
      return value.map(canonical).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    }
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return value;
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, canonical(item)]));
    }
    return value;
  };

  return (step: Step): Step => {
    const ordered = step.procedure in tiesBrokenByRandomIds ? canonical(step) : step;
    return walk(ordered, numbered) as Step;
  };
}

function normalized(steps: Step[]): Step[] {
  const normalize = normalizer();
  return steps.map(normalize);
}

/** What happens beside the API between calls, the same on both hubs. */
interface HubWorld {
  /** Runs a queued scan to its end, as the job worker would. */
  runScan(scanId: string): Promise<void>;
  /** One delivery round of the realm's due notifications. */
  deliverDue(): Promise<void>;
}

interface ScenarioWorld extends HubWorld {
  /** A local webhook receiver that answers 200 (shared by both hubs: same URL in both answers). */
  receiverUrl: string;
  /** The admin's session, for what an API token may not do. */
  session: HubCaller;
}

const reportHeader =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const reportRow = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,2024-06-01T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const credentialReport = [reportHeader, reportRow('scenario-ci'), reportRow('scenario-uploader')].join('\n');
const upload = (name: string, content: string) => ({
  name,
  contentBase64: Buffer.from(content).toString('base64'),
});

/** An access key of the inventory that a file in a repository leaks. */
const leakedKey = `AKIA${'IOSFODNN7EXAMPLQ'}`;
const leakingFile = `package main\n\nfunc main() {\n\tkey := "${leakedKey}"\n}\n`;

const unknownId = '00000000-0000-4000-8000-000000000000';
const day = 86_400_000;

/** Awaits a call that is meant to fail; its error is in the record. */
async function refused(call: Promise<unknown>): Promise<void> {
  await call.then(
    () => undefined,
    () => undefined,
  );
}

async function scenario(api: HubCaller, world: ScenarioWorld): Promise<void> {
  // Who am I, and with whom do I work?
  await api.platform.whoami.query();
  const context = await api.nhi.context.query();
  const eve = context.members.find((member) => member.email === 'eve@example.test');
  if (!eve) throw new Error('the realm lacks its editor');
  const now = context.asOf.getTime();

  // Tokens of my own.
  const ciToken = await api.platform.tokens.create.mutate({ name: 'scenario-ci', expiresInDays: 30 });
  await api.platform.tokens.create.mutate({ name: 'scenario-reader', permissions: ['nhi:read'] });
  await refused(api.platform.tokens.create.mutate({ name: '   ' }));
  await api.platform.tokens.list.query();
  await api.platform.tokens.grantable.query();
  await api.platform.tokens.revoke.mutate({ id: ciToken.id });
  await api.page.tokens.query();

  // The realm's SCIM tokens (an admin's).
  const idpToken = await api.platform.scimTokens.create.mutate({
    name: 'scenario-idp',
    defaultRole: 'editor',
  });
  await refused(api.platform.scimTokens.create.mutate({ name: '   ' }));
  await api.platform.scimTokens.list.query();
  await api.platform.scimTokens.revoke.mutate({ id: idpToken.id });

  // An API token is bound to its realm: it lists the user's realms but cannot move. (A session's
  // switch answers differently by design: in-process with the new session for the serverFn to set
  // as its cookie, over HTTP without it, the cookie being set on the response.)
  await api.platform.realms.list.query();
  await refused(api.platform.realms.switch.mutate({ slug: 'ops' }));
  // The hub realm's admin sees the worker instances (none here).
  await api.platform.instances.list.query();
  await scenarioUsers(api, eve.id);

  await scenarioInventory(api, { eveId: eve.id, now });
  await scenarioPolicies(api, { eveId: eve.id, now });
  const sourceId = await scenarioScanner(api, world);
  await scenarioAlerts(api, world, { now, sourceId });
  await api.dashboard.overview.query({});
  await api.dashboard.overview.query({ environment: ['production'], source: [sourceId] });
  await api.dashboard.overview.query({ fresh: true });
  await refused(api.dashboard.combinedOverview.query({}));
  // The quick search: pages, identities, alerts and sources, and a text too short to search.
  await api.dashboard.search.query({ q: 'al' });
  await refused(api.dashboard.search.query({ q: 'a' }));
  await scenarioReports(api);
  await scenarioViews(api);
  await scenarioOwnership(api);

  // What only a logged-in user may do: one overview of all her realms.
  const { session } = world;
  await session.platform.realms.list.query();
  await session.dashboard.combinedOverview.query({});
  await session.dashboard.combinedOverview.query({ provider: ['aws'] });
  await scenarioMfa(api, session);
  // Last: signing out everywhere ends the session the calls above used.
  await scenarioMyAccount(api, session);
}

/**
 * Ownership suggestions: identities tagged for a team get it suggested; one is accepted (after a
 * stale try), one rejected, and the rest of the team's accepted at once.
 */
async function scenarioOwnership(api: HubCaller) {
  const team = await api.policy.createGroup.mutate({ name: 'Scenario Owners' });
  const tagged = (name: string) =>
    api.nhi.create.mutate({
      kind: 'bot',
      provider: 'slack',
      externalId: `B-${name}`,
      name,
      tags: ['team:scenario-owners'],
    });
  const identities = [
    await tagged('scenario-owned-1'),
    await tagged('scenario-owned-2'),
    await tagged('scenario-owned-3'),
  ];
  await api.nhi.suggestion.refresh.mutate();
  const page = await api.nhi.suggestion.list.query({ groupId: team.id });
  const [first, second] = identities.map((nhi) => page.items.find((item) => item.nhi.id === nhi.id));
  if (!first || !second) throw new Error('the tagged identities have no suggestions');
  await api.nhi.suggestion.ofNhi.query({ id: first.nhi.id });
  await refused(api.nhi.suggestion.ofNhi.query({ id: unknownId }));
  await refused(api.nhi.suggestion.accept.mutate({ id: first.id, expectedVersion: first.nhi.version + 1 }));
  await api.nhi.suggestion.accept.mutate({ id: first.id, expectedVersion: first.nhi.version });
  await api.nhi.suggestion.reject.mutate({ id: second.id });
  await refused(api.nhi.suggestion.reject.mutate({ id: first.id }));
  await api.nhi.suggestion.acceptForGroup.mutate({ groupId: team.id });
  await refused(api.nhi.suggestion.acceptForGroup.mutate({ groupId: unknownId }));
  await api.nhi.suggestion.refresh.mutate();
  await api.nhi.suggestion.list.query({});
}

/** Saved views: one shared, renamed, listed and deleted, and a search its page does not understand. */
async function scenarioViews(api: HubCaller) {
  const view = await api.views.create.mutate({
    page: 'alerts',
    name: 'Critical open',
    shared: true,
    search: { severity: 'critical' },
  });
  await api.views.update.mutate({ id: view.id, name: 'Critical' });
  await refused(api.views.create.mutate({ page: 'inventory', name: 'Bad', search: { colour: 'red' } }));
  await api.views.list.query({ page: 'alerts' });
  await api.views.delete.mutate({ id: view.id });
}

/**
 * The second factor: an API token may not change it; the session's refused steps answer alike
 * (a set-up's secret is random, so it stays out of the comparison). The realm requirement goes
 * on and off again.
 */
async function scenarioMfa(api: HubCaller, session: HubCaller) {
  await refused(api.platform.mfa.status.query());
  await session.platform.mfa.status.query();
  await refused(session.platform.mfa.begin.mutate({ password: 'not the password' }));
  await refused(session.platform.mfa.confirm.mutate({ code: '000000' }));
  await refused(session.platform.mfa.disable.mutate({ password: 'not the password', code: '000000' }));
  await api.platform.mfa.realmRequirement.query();
  await session.platform.mfa.setRealmRequirement.mutate({ required: true });
  await session.platform.mfa.setRealmRequirement.mutate({ required: false });
}

/** The realm's users as its admin manages them; links are shown, no mail server being set. */
async function scenarioUsers(api: HubCaller, eveId: string) {
  await api.platform.users.list.query();
  const invited = await api.platform.users.invite.mutate({
    email: 'scenario-new@example.test',
    role: 'viewer',
  });
  await refused(api.platform.users.invite.mutate({ email: 'scenario-new@example.test', role: 'editor' }));
  await api.platform.users.resetPassword.mutate({ userId: eveId });
  await api.platform.users.disable.mutate({ userId: eveId });
  await refused(api.platform.users.disable.mutate({ userId: unknownId }));
  await api.platform.users.enable.mutate({ userId: eveId });
  await api.platform.users.setRole.mutate({ userId: invited.user.id, role: 'admin' });
  await api.platform.users.setRole.mutate({ userId: invited.user.id, role: 'editor' });
  await refused(api.platform.users.setRole.mutate({ userId: unknownId, role: 'viewer' }));
  await api.platform.users.remove.mutate({ userId: invited.user.id });
  await refused(api.platform.users.remove.mutate({ userId: invited.user.id }));
  await api.platform.users.list.query();
}

/** One's own account: an API token may list sessions but not change the password. */
async function scenarioMyAccount(api: HubCaller, session: HubCaller) {
  await api.platform.me.sessions.query();
  await refused(api.platform.me.changePassword.mutate({ currentPassword: 'x', newPassword: 'y'.repeat(12) }));
  await session.platform.me.sessions.query();
  await refused(
    session.platform.me.changePassword.mutate({
      currentPassword: 'not the password',
      newPassword: 'z'.repeat(16),
    }),
  );
  await session.platform.me.signOutEverywhere.mutate();
}

async function scenarioInventory(api: HubCaller, { eveId, now }: { eveId: string; now: number }) {
  const deployerFields = {
    kind: 'service_account',
    provider: 'aws',
    externalId: 'arn:aws:iam::111122223333:user/scenario-deployer',
    name: 'scenario-deployer',
    environment: 'production',
    tags: ['team:payments'],
    permissions: [{ action: 's3:PutObject', resource: 'arn:aws:s3:::releases/*' }],
    metadata: { account: '111122223333' },
    lastUsedAt: new Date(now - 2 * day),
    idempotencyKey: 'scenario-deployer-1',
  } satisfies Parameters<HubCaller['nhi']['create']['mutate']>[0];
  const deployer = await api.nhi.create.mutate(deployerFields);
  // A retry with the same key answers with the identity the first call created.
  await api.nhi.create.mutate(deployerFields);
  const stripe = await api.nhi.create.mutate({
    kind: 'api_key',
    provider: 'other',
    externalId: 'stripe-scenario',
    name: 'scenario-stripe',
    ownerUserId: eveId,
  });
  const doomed = await api.nhi.create.mutate({
    kind: 'bot',
    provider: 'slack',
    externalId: 'B-scenario-doomed',
    name: 'scenario-doomed-bot',
  });
  await refused(
    api.nhi.create.mutate({ kind: 'robot' as 'bot', provider: 'slack', externalId: 'x', name: 'x' }),
  );

  const updated = await api.nhi.update.mutate({
    id: deployer.id,
    expectedVersion: deployer.version,
    changes: {
      description: 'Deploys releases',
      ownerUserId: eveId,
      providerCreatedAt: new Date(now - 400 * day),
    },
  });
  // A stale version: CONFLICT with what changed since.
  await refused(
    api.nhi.update.mutate({ id: deployer.id, expectedVersion: deployer.version, changes: { name: 'stale' } }),
  );

  const key = await api.nhi.credential.add.mutate({
    nhiId: deployer.id,
    kind: 'access_key',
    secret: 'AKIASCENARIODEPLOYER1',
    providerCreatedAt: new Date(now - 200 * day),
    expiresAt: new Date(now + 20 * day),
  });
  await api.nhi.credential.rotate.mutate({
    credentialId: key.id,
    secret: 'AKIASCENARIODEPLOYER2',
    rotatedAt: new Date(now - day),
    expiresAt: new Date(now + 90 * day),
  });
  const spare = await api.nhi.credential.add.mutate({
    nhiId: stripe.id,
    kind: 'api_key',
    fingerprint: 'ab'.repeat(32),
    hint: '…spare',
  });
  await api.nhi.credential.revoke.mutate({ credentialId: spare.id });
  await api.nhi.credential.add.mutate({ nhiId: stripe.id, kind: 'api_key', secret: 'sk_live_scenario_0001' });
  await api.nhi.credential.add.mutate({ nhiId: deployer.id, kind: 'access_key', secret: leakedKey });

  await api.nhi.bulkUpdate.mutate({
    ids: [deployer.id, stripe.id],
    addTags: ['scenario'],
    environment: 'production',
  });
  await api.nhi.delete.mutate({ id: doomed.id });
  await api.nhi.list.query({ q: 'scenario', includeDeleted: true });
  await api.nhi.restore.mutate({ id: doomed.id });

  await api.nhi.get.query({ id: updated.id });
  await refused(api.nhi.get.query({ id: unknownId }));
  await refused(api.nhi.get.query({ id: 'not-an-id' }));
  await api.nhi.history.query({ id: deployer.id });
  await api.nhi.audit.query({ id: deployer.id });
  await api.nhi.list.query({ tag: ['scenario'], sort: 'name', direction: 'desc' });
  await api.nhi.list.query({ owner: [eveId], credentialOlderThanDays: 0 });
  await api.nhi.list.query({ expiringWithinDays: 100, limit: 1 });
  await api.nhi.export.query({ format: 'json', q: 'scenario' });
  await api.nhi.export.query({ format: 'csv', q: 'scenario' });
  await api.nhi.import.mutate({
    format: 'json',
    content: JSON.stringify([
      { kind: 'bot', provider: 'slack', externalId: 'B-scenario-imported', name: 'scenario-imported-bot' },
    ]),
  });
  await api.nhi.import.mutate({
    format: 'csv',
    content: 'kind,provider,externalId,name\nrobot,slack,B-bad,bad-row\n',
    skipInvalid: true,
  });
  await api.page.nhi.query({ id: deployer.id });
  await refused(api.page.nhi.query({ id: unknownId }));
  await api.alert.ofNhi.query({ nhiId: deployer.id });
  await refused(api.alert.ofNhi.query({ nhiId: unknownId }));
  await api.scanner.observations.query({ nhiId: deployer.id });
  await refused(api.scanner.observations.query({ nhiId: unknownId }));
  await api.scanner.accessGraph.query({ nhiId: deployer.id });
  await refused(api.scanner.accessGraph.query({ nhiId: unknownId }));
}

async function scenarioPolicies(api: HubCaller, { eveId, now }: { eveId: string; now: number }) {
  const security = await api.policy.createGroup.mutate({ name: 'Scenario Security', description: 'SecOps' });
  const platform = await api.policy.createGroup.mutate({ name: 'Scenario Platform' });
  const responders = await api.policy.createGroup.mutate({
    parentId: security.id,
    name: 'Scenario Responders',
  });
  const temporary = await api.policy.createGroup.mutate({ name: 'Scenario Temporary' });
  await api.policy.moveGroup.mutate({ groupId: responders.id, parentId: platform.id });
  await api.policy.deleteGroup.mutate({ groupId: temporary.id });
  await refused(api.policy.deleteGroup.mutate({ groupId: temporary.id }));

  await api.policy.addMember.mutate({ groupId: security.id, userId: eveId });
  await api.policy.addMember.mutate({ groupId: responders.id, userId: eveId });
  await api.policy.removeMember.mutate({ groupId: responders.id, userId: eveId });

  const readers = await api.policy.createPolicy.mutate({
    name: 'Scenario readers',
    permissions: ['nhi:read', 'alert:read'],
  });
  await api.policy.updatePolicy.mutate({
    policyId: readers.id,
    name: 'Scenario readers',
    description: 'Reads the inventory and its alerts',
    permissions: ['nhi:read', 'alert:read', 'dashboard:read'],
  });
  const spare = await api.policy.createPolicy.mutate({ name: 'Scenario spare', permissions: ['leak:read'] });
  await api.policy.deletePolicy.mutate({ policyId: spare.id });
  await refused(api.policy.createPolicy.mutate({ name: 'Scenario empty', permissions: [] }));

  await api.policy.assign.mutate({
    policyId: readers.id,
    groupId: security.id,
    reason: 'Quarterly audit',
    expiresAt: new Date(now + 30 * day),
  });
  const brief = await api.policy.assign.mutate({
    policyId: readers.id,
    groupId: platform.id,
    reason: 'Brief look',
  });
  await api.policy.revoke.mutate({ assignmentId: brief.id });

  await api.policy.tree.query();
  await api.policy.group.query({ groupId: security.id });
  await refused(api.policy.group.query({ groupId: 'no-such-group' }));
  await api.policy.policies.query();
  await api.policy.members.query();
  await api.policy.explain.query({ userId: eveId, permission: 'dashboard:read' });
  await api.policy.whoCan.query({ permission: 'dashboard:read' });
  await api.policy.whatCan.query({ userId: eveId });
  await api.policy.audit.query({ limit: 50 });
  await api.policy.groupsPage.query({});
  await api.policy.groupsPage.query({ groupId: security.id });
  await api.policy.policiesPage.query();
  await api.policy.accessPage.query({ userId: eveId });
  await refused(api.policy.accessPage.query({ userId: unknownId }));
  await api.policy.whoCanPage.query({ permission: 'dashboard:read' });
  await api.policy.whoCanPage.query({});
  await api.policy.auditPage.query();
}

async function scenarioScanner(api: HubCaller, world: ScenarioWorld): Promise<string> {
  const source = await api.scanner.source.create.mutate({
    type: 'aws_iam',
    name: 'scenario-prod-account',
    environment: 'production',
    settings: { region: 'eu-west-1' },
    secrets: { accessKeyId: 'AKIASCENARIOSOURCE01', secretAccessKey: 'scenario-secret-access-key' },
  });
  const spare = await api.scanner.source.create.mutate({ type: 'kubernetes', name: 'scenario-cluster' });
  await api.scanner.source.update.mutate({ id: source.id, schedule: '0 3 * * *', secrets: null });
  await refused(api.scanner.source.update.mutate({ id: source.id, schedule: 'hourly' }));

  const scan = await api.scanner.scan.start.mutate({
    sourceId: source.id,
    input: 'aws.credential_report',
    upload: upload('credential-report.csv', credentialReport),
  });
  await world.runScan(scan.id);
  await api.scanner.scan.get.query({ id: scan.id });
  await api.scanner.scan.diff.query({ id: scan.id });
  // A Kubernetes source has no connection: the answer comes without calling any provider.
  await api.scanner.source.testConnection.mutate({ type: 'kubernetes' });
  // A scan still queued is cancelled before it runs; one that ended cannot be.
  const queued = await api.scanner.scan.start.mutate({
    sourceId: spare.id,
    input: 'k8s.manifests',
    upload: upload('app.yaml', 'kind: ServiceAccount\nmetadata:\n  name: scenario-runner\n'),
  });
  await api.scanner.scan.cancel.mutate({ id: queued.id });
  await refused(api.scanner.scan.cancel.mutate({ id: scan.id }));
  await refused(
    api.scanner.scan.start.mutate({
      sourceId: spare.id,
      input: 'aws.credential_report',
      upload: upload('r.csv', 'x'),
    }),
  );

  const repos = await api.scanner.source.create.mutate({ type: 'secrets', name: 'scenario-repos' });
  const secretsScan = await api.scanner.scan.start.mutate({
    sourceId: repos.id,
    input: 'secrets.files',
    upload: upload('main.go', leakingFile),
  });
  await world.runScan(secretsScan.id);

  await api.scanner.scan.list.query({});
  await api.scanner.scan.list.query({ sourceId: source.id, limit: 1 });
  await api.scanner.source.get.query({ id: source.id });
  await api.scanner.source.events.query({ id: source.id });
  await api.scanner.source.list.query();
  await api.scanner.source.page.query();
  await api.scanner.leak.list.query({ state: 'open' });
  await api.nhi.list.query({ source: [source.id] });
  await scenarioRemediation(api, source.id);
  await api.scanner.source.delete.mutate({ id: spare.id });
  await refused(api.scanner.source.get.query({ id: spare.id }));
  return source.id;
}

/**
 * Remediation without a provider to call: the realm turns it on, the source does not allow it, so
 * the dry run and the request are refused; deciding an action that does not exist is NOT_FOUND.
 */
async function scenarioRemediation(api: HubCaller, sourceId: string): Promise<void> {
  await api.scanner.remediation.settings.query();
  await api.scanner.remediation.configure.mutate({ enabled: true, approval: true });
  const [identity] = (await api.nhi.list.query({ source: [sourceId], q: 'scenario-ci' })).items;
  const nhiId = identity?.id ?? '00000000-0000-4000-8000-000000000000';
  const offered = await api.scanner.remediation.available.query({ nhiId });
  const first = offered.actions[0];
  const input = {
    nhiId,
    action: first?.action ?? 'aws.access_key.deactivate',
    credentialId: first?.credentialId ?? undefined,
  };
  await refused(api.scanner.remediation.plan.mutate(input));
  await refused(api.scanner.remediation.request.mutate(input));
  await refused(api.scanner.remediation.approve.mutate({ id: '00000000-0000-4000-8000-000000000001' }));
  await refused(
    api.scanner.remediation.reject.mutate({ id: '00000000-0000-4000-8000-000000000001', reason: 'no' }),
  );
  await api.scanner.remediation.list.query({ nhiId });
  await api.scanner.remediation.configure.mutate({ enabled: false, approval: false });
}

/**
 * Tickets on a tracker nobody answers at: asked by hand (a second ask is the same ticket), in bulk,
 * and a sync that cannot read the tracker (UNAVAILABLE, never a 500).
 */
async function scenarioTickets(api: HubCaller, alertIds: string[]): Promise<void> {
  const tracker = await api.alert.channels.create.mutate({
    type: 'jira',
    name: 'Jira',
    baseUrl: 'http://127.0.0.1:9',
    projectKey: 'SEC',
    email: 'bot@example.test',
    apiToken: 'scenario-token',
  });
  await api.alert.tickets.trackers.query();
  const [first = unknownId] = alertIds;
  await api.alert.tickets.create.mutate({ alertId: first, channelId: tracker.id });
  await api.alert.tickets.createMany.mutate({ alertIds: alertIds.slice(0, 3), channelId: tracker.id });
  await refused(api.alert.tickets.create.mutate({ alertId: unknownId, channelId: tracker.id }));
  await refused(api.alert.tickets.sync.mutate({ channelId: tracker.id }));
  // The alert shows its ticket, still being created.
  await api.alert.get.query({ id: first });
}

/** The posture report: a preview, one kept, the next preview's changes; a schedule's life. */
async function scenarioReports(api: HubCaller) {
  await api.dashboard.report.preview.query();
  await api.dashboard.report.produce.mutate();
  await api.dashboard.report.preview.query();
  const mail = await api.alert.channels.create.mutate({
    type: 'email',
    name: 'scenario-reports',
    host: '127.0.0.1',
    port: 2525,
    from: 'hub@example.test',
  });
  const weekly = await api.dashboard.report.schedules.create.mutate({
    name: 'scenario-weekly',
    cadence: 'weekly',
    channelId: mail.id,
    recipients: ['ciso@example.test'],
  });
  await refused(
    api.dashboard.report.schedules.create.mutate({
      name: 'scenario-bad',
      cadence: 'weekly',
      channelId: mail.id,
      recipients: ['not an address'],
    }),
  );
  await api.dashboard.report.schedules.update.mutate({ id: weekly.id, cadence: 'monthly' });
  await api.dashboard.report.schedules.list.query();
  await api.dashboard.report.schedules.delete.mutate({ id: weekly.id });
  await api.alert.channels.delete.mutate({ id: mail.id });
}

async function scenarioAlerts(
  api: HubCaller,
  world: ScenarioWorld,
  { now, sourceId }: { now: number; sourceId: string },
) {
  await api.alert.context.query();
  const soc = await api.alert.channels.create.mutate({
    type: 'webhook',
    name: 'scenario-soc',
    url: world.receiverUrl,
    severities: ['high', 'critical', 'medium', 'low'],
    hubUrl: 'https://hub.example',
  });
  // Nothing listens on port 9: its notifications fail, and with one attempt each they are dead.
  const unreachable = await api.alert.channels.create.mutate({
    type: 'webhook',
    name: 'scenario-unreachable',
    url: 'http://127.0.0.1:9/hooks',
  });
  const spare = await api.alert.channels.create.mutate({
    type: 'slack',
    name: 'scenario-spare',
    webhookUrl: 'https://hooks.slack.test/services/T000/B000/XXXX',
  });
  await api.alert.channels.update.mutate({ id: spare.id, enabled: false, digestMinutes: 60 });
  await api.alert.channels.delete.mutate({ id: spare.id });
  await api.alert.channels.test.mutate({ id: soc.id });
  await api.alert.channels.list.query();

  await api.alert.rules.list.query();
  await api.alert.rules.configure.mutate({ ruleId: 'nhi7.no_expiry', thresholds: {}, enabled: true });
  await refused(api.alert.rules.configure.mutate({ ruleId: 'no.such.rule', enabled: false }));
  await api.alert.evaluate.mutate();

  const all = await api.alert.list.query({ limit: 500 });
  const [first, second, third] = [...all.items].sort((a, b) =>
    `${a.ruleId}|${a.nhi?.name}`.localeCompare(`${b.ruleId}|${b.nhi?.name}`),
  );
  if (!first || !second || !third) throw new Error('the evaluation opened fewer than three alerts');
  await api.alert.get.query({ id: first.id });
  const assignees = await api.alert.assignees.query();
  const eve = assignees.find((member) => member.email === 'eve@example.test');
  await api.alert.assign.mutate({
    id: first.id,
    assigneeId: eve?.id ?? null,
    dueAt: new Date(now + 3 * day),
  });
  await refused(api.alert.assign.mutate({ id: first.id, assigneeId: unknownId }));
  await api.alert.comments.add.mutate({ id: first.id, body: 'Over to you, @eve@example.test' });
  await api.alert.comments.list.query({ id: first.id });
  await api.alert.acknowledge.mutate({ ids: [first.id], comment: 'Looking into it' });
  await api.alert.resolve.mutate({ ids: [second.id], comment: 'Rotated' });
  await api.alert.suppress.mutate({
    ids: [third.id],
    reason: 'Known exception',
    until: new Date(now + 7 * day),
  });
  await refused(api.alert.suppress.mutate({ ids: [third.id], reason: 'x', until: new Date(now) }));
  await refused(api.alert.get.query({ id: unknownId }));
  await api.alert.list.query({ states: ['acknowledged', 'suppressed'], sources: [sourceId] });
  await api.alert.list.query({ severities: ['high', 'critical'] });
  await api.alert.groups.query({ by: 'rule' });
  await api.alert.filterOptions.query();
  // Pages of alerts changed one by one: their times tell them apart, so both hubs cut alike.
  const handled = await api.alert.list.query({
    states: ['acknowledged', 'resolved', 'suppressed'],
    limit: 2,
  });
  if (handled.nextCursor) {
    await api.alert.list.query({
      states: ['acknowledged', 'resolved', 'suppressed'],
      cursor: handled.nextCursor,
    });
  }
  if (first.nhiId) await api.alert.risk.query({ nhiId: first.nhiId });

  await world.deliverDue();
  const deliveries = await api.alert.deliveries.list.query({ limit: 500 });
  const dead = deliveries.filter((delivery) => delivery.state === 'dead').map((delivery) => delivery.id);
  await api.alert.deliveries.list.query({ channelId: unreachable.id, states: ['dead'] });
  await api.alert.deliveries.retry.mutate({ ids: dead.length > 0 ? dead : [unknownId] });
  await refused(api.alert.deliveries.retry.mutate({ ids: [unknownId] }));
  await scenarioTickets(
    api,
    all.items.map((alert) => alert.id),
  );
  await api.alert.channels.page.query({});
  await api.alert.channels.page.query({ channelId: unreachable.id, states: ['pending'] });
}

async function startReceiver() {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      // No keep-alive: a reused connection the server has just closed would fail a delivery.
      response.setHeader('connection', 'close');
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/nhi`, received: () => received };
}

describeEachDatabase('/api/trpc wire format', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupScenarioHub(newDatabase);
    const created = await plainRequest(hub, 'nhi.create', {
      body: { kind: 'bot', provider: 'slack', externalId: 'B-wire', name: 'wire-bot' },
    });
    const nhi = (await created.json()).result.data as { id: string; createdAt: string };
    return { hub, nhi };
  }

  it('answers plain JSON without the header: dates as ISO strings, GET input as plain JSON', async () => {
    const { hub, nhi } = await setup();

    const response = await plainRequest(hub, 'nhi.get', { input: { id: nhi.id } });

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.result.data).toMatchObject({ id: nhi.id, name: 'wire-bot', createdAt: nhi.createdAt });
    expect(body.result.data.createdAt).toBe(hub.clock.now().toISOString());
  });

  it('answers a superjson client with dates as Date, and reads its input as superjson', async () => {
    const { hub, nhi } = await setup();
    const client = superjsonOverHttp(hub);
    const lastUsedAt = new Date(hub.clock.now().getTime() - day);

    const fetched = await client.nhi.get.query({ id: nhi.id });
    const created = await client.nhi.create.mutate({
      kind: 'bot',
      provider: 'slack',
      externalId: 'B-wire-2',
      name: 'wire-bot-2',
      lastUsedAt,
    });

    expect(fetched.createdAt).toBeInstanceOf(Date);
    expect(fetched.createdAt.toISOString()).toBe(nhi.createdAt);
    expect(created.lastUsedAt).toEqual(lastUsedAt);
  });

  it('sends superjson only to a client that asks, and reads an envelope only from one', async () => {
    const { hub, nhi } = await setup();
    const envelope = { json: { id: nhi.id } };

    const withHeader = await plainRequest(hub, 'nhi.get', {
      input: envelope,
      headers: { [WIRE_FORMAT_HEADER]: 'superjson' },
    });
    const withoutHeader = await plainRequest(hub, 'nhi.get', { input: envelope });

    const body = await withHeader.json();
    expect(body.result.data.json).toMatchObject({ id: nhi.id, createdAt: nhi.createdAt });
    expect(body.result.data.meta.values).toMatchObject({ createdAt: ['Date'] });
    expect(withoutHeader.status).toBe(400);
  });
});

describeEachDatabase('one surface: the caller and /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const receiver = await startReceiver();
    const local = await setupScenarioHub(newDatabase);
    const remote = await setupScenarioHub(newDatabase);
    return { receiver, local, remote };
  }

  it('answers every call of the scenario the same in-process and over HTTP', async () => {
    const { receiver, local, remote } = await setup();

    const inProcessSteps = await runScenario((credential) => inProcess(local, credential), {
      ...local.world,
      receiverUrl: receiver.url,
    });
    const httpSteps = await runScenario((credential) => overHttp(remote, credential), {
      ...remote.world,
      receiverUrl: receiver.url,
    });

    const expected = normalized(inProcessSteps);
    const actual = normalized(httpSteps);
    for (const [index, step] of expected.slice(0, actual.length).entries()) {
      expect.soft(actual[index], `call ${index + 1}: ${step.procedure}`).toStrictEqual(step);
    }
    expect(actual.map((step) => step.procedure)).toEqual(expected.map((step) => step.procedure));
    expect(inProcessSteps.filter((step) => step.procedure === stopped)).toEqual([]);
    const errors = expected.flatMap((step) => ('error' in step ? [step.error] : []));
    expect(errors).toContainEqual(expect.objectContaining({ code: 'NOT_FOUND', httpStatus: 404 }));
    expect(errors).toContainEqual(expect.objectContaining({ code: 'BAD_REQUEST', httpStatus: 400 }));
    expect(receiver.received()).toBeGreaterThan(0);

    const called = new Set(inProcessSteps.map((step) => step.procedure));
    const uncalled = procedurePermissions(appRouter)
      .map(({ path }) => path)
      .filter((path) => !called.has(path) && !(path in notCompared));
    expect(uncalled, 'procedures the scenario does not call').toEqual([]);
  });
});

describe('notCompared', () => {
  it('names only procedures that exist', () => {
    const paths = new Set(procedurePermissions(appRouter).map(({ path }) => path));
    expect(Object.keys(notCompared).filter((path) => !paths.has(path))).toEqual([]);
  });
});
