import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SESSION_COOKIE } from '@nhi/platform';
import {
  createTestDatabase,
  deleteKeys,
  postgresUnavailableReason,
  redisUnavailableReason,
  testRedisUrl,
} from '@nhi/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHub, startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword } from './support/seed.ts';
import { builtServerFns, serverFnPayload } from './support/server-fns.ts';

const skipReason = (await postgresUnavailableReason()) ?? (await redisUnavailableReason());

/** Keys of this run only, deleted after the last test: other runs may share the Redis. */
const redisPrefix = `nhi-e2e-replicas-${process.pid}-${Date.now()}`;
const maxAttempts = 3;

/** What the shared set-up opened, closed after the last test in reverse order. */
const cleanups: (() => Promise<unknown>)[] = [];
const defer = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

/** One replica: the built hub on the shared database and Redis, with a data directory of its own. */
async function replica(databaseUrl: string): Promise<RunningHub> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-replica-'));
  defer(() => fs.rm(dataDir, { recursive: true, force: true }));
  const hub = await startHubProcess({
    NHI_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    NHI_ADMIN_PASSWORD: adminPassword,
    REDIS_URL: testRedisUrl(),
    NHI_REDIS_PREFIX: redisPrefix,
    NHI_LOGIN_MAX_ATTEMPTS: String(maxAttempts),
  });
  defer(() => hub.stop());
  await waitForReady(hub.url);
  return hub;
}

/**
 * Two replicas on one PostgreSQL database, started one after the other: the first does the first
 * start (realm, admin, signing key), which the second then finds in place.
 */
async function setup() {
  const database = await createTestDatabase('postgres');
  defer(() => database.close());
  defer(() => deleteKeys(testRedisUrl(), redisPrefix));
  const a = await replica(database.url ?? '');
  const b = await replica(database.url ?? '');
  return { a, b };
}

function serverFnUrl(hub: RunningHub, name: string): string {
  const fn = builtServerFns().find((candidate) => candidate.name === name);
  if (!fn) throw new Error(`The built server has no ${name} serverFn: build the hub first`);
  return `${hub.url}/_serverFn/${fn.id}`;
}

/** A serverFn call as the hub's own pages make it. */
async function callServerFn(hub: RunningHub, name: string, data: unknown, cookie?: string) {
  return fetch(serverFnUrl(hub, name), {
    method: 'POST',
    headers: {
      'sec-fetch-site': 'same-origin',
      'x-tsr-serverfn': 'true',
      'content-type': 'application/json',
      ...(cookie ? { cookie } : {}),
    },
    body: await serverFnPayload(data),
  });
}

function logIn(hub: RunningHub, email: string, password: string) {
  return callServerFn(hub, 'login', { email, password });
}

/** The session cookie a successful login set, as a Cookie header. */
async function sessionOn(hub: RunningHub): Promise<string> {
  const response = await logIn(hub, adminEmail, adminPassword);
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error('the login set no session cookie');
  return cookie.split(';')[0] ?? '';
}

type Credential = { cookie: string } | { bearer: string };

function credentialHeaders(hub: RunningHub, credential: Credential): Record<string, string> {
  return 'cookie' in credential
    ? { cookie: credential.cookie, origin: hub.url }
    : { authorization: `Bearer ${credential.bearer}` };
}

async function whoami(hub: RunningHub, credential: Credential): Promise<number> {
  const response = await fetch(`${hub.url}/api/trpc/platform.whoami`, {
    headers: credentialHeaders(hub, credential),
  });
  await response.body?.cancel();
  return response.status;
}

async function mutation(hub: RunningHub, procedure: string, input: unknown, credential: Credential) {
  const response = await fetch(`${hub.url}/api/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentialHeaders(hub, credential) },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data?: Record<string, unknown> } };
  return { status: response.status, data: body.result?.data ?? {} };
}

describe.skipIf(skipReason)('two hub replicas on one database and one Redis', () => {
  let shared: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    shared = await setup();
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('refuses on B, at its very next call, an API token revoked through A', async () => {
    const { a, b } = shared;
    const session = { cookie: await sessionOn(a) };
    const created = await mutation(a, 'platform.tokens.create', { name: 'replicas' }, session);
    expect(created.status).toBe(200);
    const { id, token } = created.data;
    expect(token).toEqual(expect.stringMatching(/^nhi_/));
    const bearer = { bearer: String(token) };
    expect(await whoami(a, bearer)).toBe(200);
    expect(await whoami(b, bearer)).toBe(200);

    const revoked = await mutation(a, 'platform.tokens.revoke', { id }, bearer);
    expect(revoked.status).toBe(200);

    expect(await whoami(b, bearer)).toBe(401);
    expect(await whoami(a, bearer)).toBe(401);
  });

  it('accepts on B a session logged in on A, and refuses it once logged out on A', async () => {
    const { a, b } = shared;
    const session = { cookie: await sessionOn(a) };
    expect(await whoami(b, session)).toBe(200);

    const logout = await callServerFn(a, 'logout', undefined, session.cookie);
    expect(logout.status).toBe(200);

    expect(await whoami(b, session)).toBe(401);
  });

  it('locks an account after the allowed failures in total, spread over both, and says so on both', async () => {
    const { a, b } = shared;
    const email = 'guesser-target@nhi.local';
    const failures = [a, b, a];
    expect(failures).toHaveLength(maxAttempts);

    for (const hub of failures) {
      const response = await logIn(hub, email, 'not-the-password');
      expect(response.status, hub.url).toBe(401);
    }

    for (const hub of [a, b]) {
      const response = await logIn(hub, email, 'not-the-password');
      expect(response.status, hub.url).toBe(429);
      expect(JSON.stringify(await response.json())).toMatch(/Try again in \d+ seconds/);
    }
  });
});
