import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SESSION_COOKIE } from '@nhi/platform';
import { createTestDatabase, postgresUnavailableReason } from '@nhi/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, hubDir, recordTiming } from './support/hub-process.ts';
import { createPodman, podmanUnavailableReason } from './support/podman.ts';
import { adminEmail, adminPassword, temporaryDataDir } from './support/seed.ts';
import { builtServerFns, serverFnPayload } from './support/server-fns.ts';

const unavailable = podmanUnavailableReason();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`The container image cannot be built and run: ${unavailable}`);
}
if (unavailable) console.warn(`container tests skipped: ${unavailable}`);
const postgresUnavailable = await postgresUnavailableReason();

const repoRoot = path.resolve(hubDir, '../..');
const localImages = path.join(repoRoot, 'deploy/local-images.sh');
/** Every image, container, volume and network of this run carries it, so the cleanup finds them all. */
const runId = `nhi-test-${process.pid}-${Date.now().toString(36)}`;
const imagePrefix = `localhost/${runId}-`;
const hubImage = `${imagePrefix}hub:latest`;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP(S) request; `ca` is the proxy's local CA, which the test trusts and nothing else. */
function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ca?: string,
): Promise<Answer> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      target,
      { method: init.method ?? 'GET', headers: init.headers, family: 4, ...(ca ? { ca } : {}) },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

/** Polls until `url` answers 200; the failure names the last answer and the container's log. */
async function waitFor200(url: string, logs: () => Promise<string>, ca?: () => string | undefined) {
  const deadline = Date.now() + 120_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const answer = await request(url, {}, ca?.()).catch((error: Error) => error);
    if (!(answer instanceof Error) && answer.status === 200) return;
    last = answer instanceof Error ? answer.message : `${answer.status} ${answer.body}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 (last: ${last})\n--- log ---\n${await logs()}`);
}

/** Logs in as the pages do (the login serverFn) and returns the session cookie. */
async function logIn(base: string, password: string, ca?: string): Promise<string> {
  const login = builtServerFns().find((fn) => fn.name === 'login');
  if (!login) throw new Error('The built server has no login serverFn: build the hub first');
  const answer = await request(
    `${base}/_serverFn/${login.id}`,
    {
      method: 'POST',
      headers: {
        'sec-fetch-site': 'same-origin',
        'x-tsr-serverfn': 'true',
        'content-type': 'application/json',
      },
      body: await serverFnPayload({ email: adminEmail, password }),
    },
    ca,
  );
  expect(answer.status, answer.body).toBe(200);
  const cookie = (answer.headers['set-cookie'] ?? []).find((line) => line.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`the login set no session cookie: ${answer.body}`);
  return cookie.split(';')[0] ?? '';
}

/** An API call with the session: who the caller is. */
async function whoami(base: string, cookie: string, ca?: string): Promise<Answer> {
  return request(`${base}/api/trpc/platform.whoami`, { headers: { cookie, origin: base } }, ca);
}

describe.skipIf(unavailable)('the container image', () => {
  let podman: ReturnType<typeof createPodman>;
  /** What a test made, removed after the last test even when one failed, newest first. */
  const cleanups: (() => Promise<unknown>)[] = [];
  const defer = (cleanup: () => Promise<unknown>) => cleanups.push(cleanup);

  beforeAll(async () => {
    podman = createPodman();
    const startedAt = performance.now();
    // The public images need a registry; the same Dockerfile and compose.yaml run on local ones.
    // The proxy's and PostgreSQL's are made while the hub's image builds.
    const serviceImages = podman.exec(localImages, ['caddy', 'postgres'], { IMAGE_PREFIX: imagePrefix }).then(
      () => undefined,
      (error: Error) => error,
    );
    await podman.exec(localImages, ['node'], { IMAGE_PREFIX: imagePrefix, NODE: process.execPath });
    await podman(
      'build',
      '--pull=never',
      '--layers=false',
      // Docker's format keeps HEALTHCHECK, which OCI's has no field for.
      '--format=docker',
      `--build-arg=BASE=${imagePrefix}node-base:22`,
      `--tag=${hubImage}`,
      repoRoot,
    );
    const failed = await serviceImages;
    if (failed) throw failed;
    recordTiming('container images build', performance.now() - startedAt);
  }, 300_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    if (!podman) return;
    await podman('ps', '--all', '--quiet', `--filter=name=${runId}`).then(async (ids) => {
      const containers = ids.split('\n').filter(Boolean);
      if (containers.length > 0) await podman('rm', '--force', '--volumes', ...containers);
    });
    await podman('volume', 'ls', '--quiet', `--filter=name=${runId}`).then(async (names) => {
      const volumes = names.split('\n').filter(Boolean);
      if (volumes.length > 0) await podman('volume', 'rm', '--force', ...volumes);
    });
    await podman('images', '--format={{.Repository}}:{{.Tag}}', `--filter=reference=${imagePrefix}*`).then(
      async (names) => {
        const images = names.split('\n').filter(Boolean);
        if (images.length > 0) await podman('rmi', '--force', ...images);
      },
    );
    podman.dispose();
  }, 120_000);

  /** Starts the image detached; removed with its volume after the tests. */
  async function runHub(name: string, args: string[]): Promise<{ logs: () => Promise<string> }> {
    const container = `${runId}-${name}`;
    defer(() => podman('rm', '--force', '--volumes', container));
    await podman('run', '--detach', `--name=${container}`, ...args, hubImage);
    return { logs: () => podman.exec('podman', ['logs', container]).catch((error: Error) => error.message) };
  }

  it('holds the server build and the migrations only, runs as a numeric non-root user and declares its health check', async () => {
    type HealthCheck = { Test: string[] };
    const [inspected] = JSON.parse(await podman('image', 'inspect', hubImage)) as {
      Size: number;
      /** Where podman reports it; docker reports it in Config. */
      Healthcheck?: HealthCheck;
      Config: { User: string; Healthcheck?: HealthCheck; Volumes?: Record<string, object> };
    }[];
    process.stdout.write(`[image] ${hubImage}: ${Math.round((inspected?.Size ?? 0) / 1e6)} MB\n`);
    expect(inspected?.Config.User).toBe('10001:10001');
    const healthCheck = inspected?.Healthcheck ?? inspected?.Config.Healthcheck;
    expect(healthCheck?.Test.join(' ')).toContain('/healthz');
    expect(Object.keys(inspected?.Config.Volumes ?? {})).toEqual(['/data']);

    const census = `
      const fs = require('node:fs'); const path = require('node:path');
      const files = [];
      const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name); if (e.isDirectory()) walk(p); else files.push(p); } };
      walk('/app');
      const data = fs.statSync('/data');
      console.log(JSON.stringify({
        data: { uid: data.uid, mode: (data.mode & 0o777).toString(8) },
        top: fs.readdirSync('/app').sort(),
        migrations: files.filter((f) => f.endsWith('/migration.sql')).length,
        // Source maps and .env files anywhere; sources and tests outside the packages the server loads.
        unwanted: files.filter((f) => /\\.map$|\\.env/.test(f) || (!f.includes('/node_modules/') &&
          (/\\.tsx?$|\\.test\\.|pnpm-lock/.test(f) || /^\\/app\\/(apps|packages)\\//.test(f)))),
      }));`;
    const files = JSON.parse(await podman('run', '--rm', '--entrypoint=node', hubImage, '-e', census));
    // A new named volume takes the image's /data, owner included: the hub's user can write it.
    expect(files).toMatchObject({
      data: { uid: 10001, mode: '700' },
      top: ['.output', 'prisma'],
      unwanted: [],
    });
    expect(files.migrations).toBeGreaterThan(0);
  });

  it('serves its probes, a login and an API call on the embedded database, writes only its volume and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const container = `${runId}-embedded`;
    // A data directory the built hub has started on once (the suite's shared first start), handed to
    // the container's user (`:U`): a first start on PGlite costs most of a minute on a busy machine.
    const dataDir = await temporaryDataDir();
    const hub = await runHub('embedded', [
      '--read-only',
      `--publish=127.0.0.1:${port}:3000`,
      `--volume=${dataDir}:/data:U`,
      `--env=NHI_ADMIN_PASSWORD=${adminPassword}`,
    ]);
    const base = `http://127.0.0.1:${port}`;
    const startedAt = performance.now();
    await waitFor200(`${base}/readyz`, hub.logs);
    recordTiming('container ready on the embedded database', performance.now() - startedAt);

    expect(JSON.parse((await request(`${base}/healthz`)).body)).toEqual({ status: 'ok' });
    const cookie = await logIn(base, adminPassword);
    const me = await whoami(base, cookie);
    expect(me.status, me.body).toBe(200);
    expect(me.body).toContain(adminEmail);

    const probe = `
      const fs = require('node:fs');
      const writable = (file) => { try { fs.writeFileSync(file, 'x'); fs.rmSync(file); return true; } catch { return false; } };
      console.log(JSON.stringify({ uid: process.getuid(), app: writable('/app/probe'), root: writable('/probe'), data: writable('/data/probe') }));`;
    expect(JSON.parse(await podman('exec', container, 'node', '-e', probe))).toEqual({
      uid: 10001,
      app: false,
      root: false,
      data: true,
    });
    // Exits 0 when /healthz answers; podman's own timer for it needs systemd, so it is run here.
    await podman('healthcheck', 'run', container);

    await podman('stop', '--time=30', container);
    expect((await podman('inspect', '--format={{.State.ExitCode}}', container)).trim()).toBe('0');
    expect(await hub.logs()).toMatch(/"signal":"SIGTERM".*"msg":"stopped"/);
  });

  it.skipIf(postgresUnavailable)(
    "migrates and serves the machine's PostgreSQL, its URL read from a secret file",
    async () => {
      const database = await createTestDatabase('postgres', { migrated: false });
      defer(() => database.close());
      const secret = path.join(podman.dir, 'database_url');
      fs.writeFileSync(secret, `${database.url}\n`, { mode: 0o644 });
      const port = await freePort();
      // The host's network: the test's PostgreSQL listens on the host's loopback only.
      const hub = await runHub('postgres', [
        '--read-only',
        '--network=host',
        `--env=PORT=${port}`,
        '--env=HOST=127.0.0.1',
        '--env=DATABASE_URL_FILE=/run/secrets/database_url',
        `--volume=${secret}:/run/secrets/database_url:ro`,
        `--volume=${runId}-postgres-data:/data`,
        `--env=NHI_ADMIN_PASSWORD=${adminPassword}`,
      ]);
      const base = `http://127.0.0.1:${port}`;
      await waitFor200(`${base}/readyz`, hub.logs);

      expect(await hub.logs()).toContain('"database":"postgresql"');
      const me = await whoami(base, await logIn(base, adminPassword));
      expect(me.status, me.body).toBe(200);
      expect(me.body).toContain(adminEmail);
      const env = await podman(
        'inspect',
        '--format={{range .Config.Env}}{{println .}}{{end}}',
        `${runId}-postgres`,
      );
      expect(env).not.toContain(database.url);
    },
  );

  it('comes up with compose behind the TLS proxy on its own PostgreSQL, and down again leaving nothing behind', async () => {
    const startedAt = performance.now();
    const postgresImage = (
      await podman('images', '--format={{.Repository}}:{{.Tag}}', `--filter=reference=${imagePrefix}postgres`)
    ).trim();
    const secrets = path.join(podman.dir, 'secrets');
    await podman.exec(path.join(repoRoot, 'deploy/make-secrets.sh'), [secrets]);
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const project = runId;
    const env = {
      NHI_SECRETS_DIR: secrets,
      NHI_PROXY_IMAGE: `${imagePrefix}caddy:2`,
      NHI_POSTGRES_IMAGE: postgresImage,
      NHI_HUB_IMAGE: hubImage,
      NHI_BIND_ADDRESS: '127.0.0.1',
      NHI_HTTP_PORT: String(httpPort),
      NHI_HTTPS_PORT: String(httpsPort),
      NHI_PUBLIC_URL: `https://localhost:${httpsPort}`,
    };
    const compose = (...args: string[]) =>
      podman.exec(
        'podman-compose',
        ['--file', path.join(repoRoot, 'compose.yaml'), '--project-name', project, ...args],
        env,
      );
    const down = async () => {
      await compose('down', '--volumes', '--timeout=5');
      // podman-compose 1.0 leaves the project's network.
      await podman('network', 'rm', '--force', `${project}_default`);
    };
    defer(down);
    // Keycloak (the sso profile) has no image here; podman-compose 1.0 runs only the services named.
    await compose('up', '--detach', '--no-build', 'postgres', 'hub', 'proxy');

    const logs = () =>
      podman.exec('podman', ['logs', `${project}_hub_1`]).catch((error: Error) => error.message);
    const caFile = path.join(podman.dir, 'proxy-ca.crt');
    let ca: string | undefined;
    const proxyCa = () => {
      // Caddy makes its local CA on first start, in its data volume.
      ca ??= fs.existsSync(caFile) ? fs.readFileSync(caFile, 'utf8') : undefined;
      if (!ca)
        podman('cp', `${project}_proxy_1:/data/caddy/pki/authorities/local/root.crt`, caFile).catch(() => {});
      return ca;
    };
    const base = `https://localhost:${httpsPort}`;
    await waitFor200(`${base}/readyz`, logs, proxyCa);
    recordTiming('compose up to ready behind the proxy', performance.now() - startedAt);

    const adminSecret = fs.readFileSync(path.join(secrets, 'admin_password'), 'utf8').trim();
    const me = await whoami(base, await logIn(base, adminSecret, ca), ca);
    expect(me.status, me.body).toBe(200);
    expect(me.body).toContain(adminEmail);
    expect(await logs()).toContain('"database":"postgresql"');
    const redirect = await request(`http://localhost:${httpPort}/login`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('https://localhost/login');
    const hubEnv = await podman(
      'inspect',
      '--format={{range .Config.Env}}{{println .}}{{end}}',
      `${project}_hub_1`,
    );
    expect(hubEnv).not.toContain(adminSecret);

    await down();
    const left = await Promise.all([
      podman('ps', '--all', '--quiet', `--filter=label=io.podman.compose.project=${project}`),
      podman('volume', 'ls', '--quiet', `--filter=label=io.podman.compose.project=${project}`),
      podman('network', 'ls', '--quiet', `--filter=name=${project}`),
    ]);
    expect(left.map((out) => out.trim())).toEqual(['', '', '']);
  });
});
