import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type DatabaseKind, SESSION_COOKIE } from '@nhi/platform';
import { createTestDatabase, postgresUnavailableReason, type TestDatabase } from '@nhi/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everyIdField,
  hostileBodies,
  hostileCredentials,
  hostilePayloadParams,
  serverFnCalls,
} from '../test/fuzz/hostile-inputs.ts';
import { excerpt, serverFnProblems } from '../test/fuzz/response-checks.ts';
import { artifactsDir, type RunningHub, startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword } from './support/seed.ts';
import { type BuiltServerFn, builtServerFns, serverFnPayload } from './support/server-fns.ts';

/**
 * Every serverFn of the built hub, found in its manifest, sent malformed bodies and hostile
 * values with and without a session: none answers 500 or shows a stack, and the hub's output
 * stays one JSON object per line.
 */
type Method = 'GET' | 'POST';

interface Request {
  name: string;
  case: string;
  method: Method;
  query?: string;
  body?: string;
  contentType?: string;
  session?: boolean;
  /** Headers sent in place of the session cookie. */
  credentials?: Record<string, string>;
  status?: number;
}

interface Failure {
  serverFn: string;
  case: string;
  status: number;
  problems: string[];
  body: string;
}

/** Logging out (here or everywhere) would end the session the other calls use: they are only called without one. */
const sessionEnders = new Set(['logout', 'signOutEverywhere']);
const endsSession = (name: string) => sessionEnders.has(name);

/** Start answers a serverFn called with the other method 405 before running anything of it. */
async function methodOf(hub: RunningHub, fn: BuiltServerFn): Promise<Method> {
  const response = await fetch(`${hub.url}/_serverFn/${fn.id}`, {
    method: 'POST',
    headers: { 'x-tsr-serverfn': 'true', origin: hub.url, 'sec-fetch-site': 'same-origin' },
  });
  await response.arrayBuffer();
  if (response.status !== 405) return 'POST';
  if (response.headers.get('allow') !== 'GET') throw new Error(`${fn.name}: 405 without Allow: GET`);
  return 'GET';
}

function malformedRequests(fn: BuiltServerFn, method: Method, session: boolean): Request[] {
  if (method === 'GET') {
    return hostilePayloadParams.map((param) => ({
      name: fn.name,
      case: param.name,
      method,
      query: param.value,
      session,
    }));
  }
  return hostileBodies.map((body) => ({
    name: fn.name,
    case: body.name,
    method,
    body: body.body,
    contentType: body.contentType,
    session,
  }));
}

async function wellFormed(name: string, method: Method, kase: string, data: unknown, status?: number) {
  const payload = await serverFnPayload(data);
  const request: Request = { name, case: kase, method, session: true, status };
  if (method === 'GET') return { ...request, query: `payload=${encodeURIComponent(payload)}` };
  return { ...request, body: payload, contentType: 'application/json' };
}

async function startHub(kind: DatabaseKind) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-fuzz-'));
  let database: TestDatabase | undefined;
  const env: Record<string, string> = { NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword };
  if (kind === 'postgres') {
    database = await createTestDatabase('postgres');
    env.DATABASE_URL = database.url ?? '';
  }
  const hub = await startHubProcess(env);
  await waitForReady(hub.url);
  return { hub, database, dataDir };
}

describe.each(['pglite', 'postgres'] as const)(
  'serverFns of the built hub under hostile input [%s]',
  (kind) => {
    let hub: RunningHub | undefined;
    let database: TestDatabase | undefined;
    let dataDir: string | undefined;
    let cookie = '';
    const fns: (BuiltServerFn & { method: Method })[] = [];
    let logStart = 0;
    /** How each serverFn answered, by status, for the artifacts: shows what got past validation. */
    const statuses: Record<string, Record<number, number>> = {};
    const failures: Failure[] = [];

    beforeAll(async () => {
      if (kind === 'postgres' && (await postgresUnavailableReason())) return;
      ({ hub, database, dataDir } = await startHub(kind));
      const running = hub;
      for (const fn of builtServerFns()) fns.push({ ...fn, method: await methodOf(running, fn) });
      const login = fns.find((fn) => fn.name === 'login');
      if (!login) throw new Error('the build has no login serverFn');
      const response = await send(
        await wellFormed('login', 'POST', 'log in', { email: adminEmail, password: adminPassword }),
      );
      const session = response.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
      if (response.status !== 200 || !session) {
        throw new Error(
          `login answered ${response.status}: ${response.body}\n${running.output().slice(-3000)}`,
        );
      }
      cookie = session.split(';')[0] ?? '';
      logStart = running.output().length;
    }, 180_000);

    afterAll(async () => {
      await hub?.stop();
      await database?.close();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
      if (!hub) return;
      await fs.mkdir(artifactsDir, { recursive: true });
      await fs.writeFile(
        path.join(artifactsDir, `fuzz-serverfn-${kind}.json`),
        `${JSON.stringify({ statuses, failures }, null, 2)}\n`,
      );
    });

    async function send(request: Request) {
      if (!hub) throw new Error('the hub did not start');
      const fn = fns.find((candidate) => candidate.name === request.name);
      if (!fn) throw new Error(`the build has no serverFn named ${request.name}`);
      const headers: Record<string, string> = {
        'x-tsr-serverfn': 'true',
        accept: 'application/json',
        origin: hub.url,
        'sec-fetch-site': 'same-origin',
      };
      if (request.contentType) headers['content-type'] = request.contentType;
      if (request.session) headers.cookie = cookie;
      Object.assign(headers, request.credentials);
      const query = request.query ? `?${request.query}` : '';
      const response = await fetch(`${hub.url}/_serverFn/${fn.id}${query}`, {
        method: request.method,
        headers,
        body: request.method === 'POST' ? request.body : undefined,
      });
      return {
        status: response.status,
        body: await response.text(),
        setCookie: response.headers.getSetCookie(),
      };
    }

    async function failuresOf(requests: Request[]): Promise<Failure[]> {
      const found: Failure[] = [];
      for (const request of requests) {
        const response = await send(request);
        statuses[request.name] ??= {};
        const seen = statuses[request.name] as Record<number, number>;
        seen[response.status] = (seen[response.status] ?? 0) + 1;
        const problems = serverFnProblems(response);
        if (request.status !== undefined && response.status !== request.status) {
          problems.push(`expected ${request.status}, got ${response.status}`);
        }
        if (problems.length > 0) {
          found.push({
            serverFn: request.name,
            case: request.case,
            status: response.status,
            problems,
            body: excerpt(response.body, 240),
          });
        }
      }
      failures.push(...found);
      return found;
    }

    const summary = (f: Failure) => `${f.serverFn} · ${f.case} → ${f.problems.join(', ')} · body ${f.body}`;

    it('finds the serverFns in the build', () => {
      if (!hub) return;
      expect(fns.map((fn) => fn.name)).toEqual(
        expect.arrayContaining(['login', 'listNhis', 'getNhiPage', 'whoami']),
      );
    });

    it('refuses every malformed request without a session, without a server error or a leak', async () => {
      if (!hub) return;
      const requests = fns.flatMap((fn) => malformedRequests(fn, fn.method, false));

      const failures = await failuresOf(requests);

      expect(failures.map(summary)).toEqual([]);
    });

    it('refuses every malformed request with a session, without a server error or a leak', async () => {
      if (!hub) return;
      const requests = fns
        .filter((fn) => !endsSession(fn.name))
        .flatMap((fn) => malformedRequests(fn, fn.method, true));

      const failures = await failuresOf(requests);

      expect(failures.map(summary)).toEqual([]);
    });

    it('answers well-formed calls with hostile values and unknown ids (404) without a server error', async () => {
      if (!hub) return;
      const methodOfName = new Map(fns.map((fn) => [fn.name, fn.method]));
      const requests: Request[] = [];
      for (const fn of fns.filter((candidate) => !endsSession(candidate.name))) {
        requests.push(await wellFormed(fn.name, fn.method, 'an unknown id in every id field', everyIdField));
        requests.push(await wellFormed(fn.name, fn.method, 'no data', undefined));
      }
      for (const call of serverFnCalls) {
        const method = methodOfName.get(call.name);
        if (!method) throw new Error(`the build has no serverFn named ${call.name}`);
        requests.push(await wellFormed(call.name, method, call.case, call.data, call.status));
      }

      const failures = await failuresOf(requests);

      expect(failures.map(summary)).toEqual([]);
    });

    it('answers 401 to credentials that are not', async () => {
      if (!hub) return;
      const requests: Request[] = [];
      for (const credential of hostileCredentials) {
        for (const name of ['whoami', 'createNhi']) {
          const request = await wellFormed(name, name === 'whoami' ? 'GET' : 'POST', credential.name, {
            kind: 'bot',
            provider: 'aws',
            externalId: 'x',
            name: 'x',
          });
          requests.push({ ...request, session: false, credentials: credential.value, status: 401 });
        }
      }

      const found = await failuresOf(requests);

      expect(found.map(summary)).toEqual([]);
    });

    it('writes only JSON lines to its output while answering them', () => {
      if (!hub) return;
      const lines = hub
        .output()
        .slice(logStart)
        .split('\n')
        .filter((line) => line.trim() !== '');
      const notJson = lines.filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });

      expect(notJson.map((line) => excerpt(line, 200))).toEqual([]);
    });
  },
);
