import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SESSION_COOKIE } from '@nhi/platform';
import { createTestDatabase, postgresUnavailableReason } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hubDir, startHubProcess, waitForReady } from './support/hub-process.ts';

const workerEnv = { NHI_MODE: 'worker', NHI_INSTANCE_NAME: 'w1', NHI_HUB_URL: 'http://127.0.0.1:9' };

async function temporaryDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-worker-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The built server as a worker on a fresh PostgreSQL database of its own, ready for requests. */
async function setup() {
  const dataDir = await temporaryDir();
  const database = await createTestDatabase('postgres');
  onTestFinished(() => database.close());
  const worker = await startHubProcess({
    ...workerEnv,
    NHI_DATA_DIR: dataDir,
    DATABASE_URL: database.url ?? '',
  });
  onTestFinished(async () => {
    await worker.stop();
  });
  await waitForReady(worker.url);
  return { worker, dataDir, database };
}

describe('the built server in worker mode', () => {
  it('answers its probes and metrics', async ({ skip }) => {
    skip(Boolean(await postgresUnavailableReason()), 'PostgreSQL is not reachable');
    const { worker } = await setup();

    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');
  });

  it('answers built assets 404 as not served, however their path is spelled', async ({ skip }) => {
    skip(Boolean(await postgresUnavailableReason()), 'PostgreSQL is not reachable');
    const { worker } = await setup();
    const [asset] = await fs.readdir(path.join(hubDir, '.output/public/assets'));

    for (const pathname of [`/assets/${asset}`, `/assets%2f${asset}`]) {
      const response = await fetch(`${worker.url}${pathname}`);
      expect(response.status, pathname).toBe(404);
      expect(await response.json()).toEqual({ error: 'not served by a worker' });
    }
    // Under /api/trpc it stays a tRPC path: no procedure of that name, and no asset either.
    const throughTrpc = await fetch(`${worker.url}/api/trpc/..%2f..%2fassets/${asset}`);
    expect(throughTrpc.status).toBe(404);
    expect(throughTrpc.headers.get('content-type')).toContain('application/json');
  });

  it('answers pages and serverFns 404 as not served', async ({ skip }) => {
    skip(Boolean(await postgresUnavailableReason()), 'PostgreSQL is not reachable');
    const { worker } = await setup();

    for (const [pathname, init] of [
      ['/', {}],
      ['/login', {}],
      ['/_serverFn/x', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }],
    ] as const) {
      const response = await fetch(`${worker.url}${pathname}`, init);
      expect(response.status, pathname).toBe(404);
      expect(await response.json()).toEqual({ error: 'not served by a worker' });
    }
  });

  it('refuses a tRPC call with a browser session cookie, and serves tRPC otherwise', async ({ skip }) => {
    skip(Boolean(await postgresUnavailableReason()), 'PostgreSQL is not reachable');
    const { worker } = await setup();

    const withCookie = await fetch(`${worker.url}/api/trpc/platform.whoami`, {
      headers: { cookie: `${SESSION_COOKIE}=anything`, origin: worker.url },
    });
    expect(withCookie.status).toBe(401);
    expect(await withCookie.json()).toEqual({ error: 'session cookies are not accepted by a worker' });

    // Without credentials the call reaches tRPC, whose own guard answers.
    const anonymous = await fetch(`${worker.url}/api/trpc/platform.whoami`);
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(await anonymous.json())).toContain('UNAUTHORIZED');
  });

  it('creates no first admin and prints no password', async ({ skip }) => {
    skip(Boolean(await postgresUnavailableReason()), 'PostgreSQL is not reachable');
    const { worker, dataDir, database } = await setup();

    expect(worker.stderr()).not.toContain('Password:');
    expect(worker.stderr()).toContain('NHI Hub worker w1');
    await expect(fs.access(path.join(dataDir, 'initial-admin-password'))).rejects.toThrow();
    expect(await database.systemPrisma.user.count()).toBe(0);
  });

  it('refuses to start without DATABASE_URL, saying why', async () => {
    const dataDir = await temporaryDir();

    await expect(startHubProcess({ ...workerEnv, NHI_DATA_DIR: dataDir })).rejects.toThrow(
      /exited with code 1[\s\S]*NHI_MODE=worker[\s\S]*DATABASE_URL: required in worker mode/,
    );
    await expect(fs.access(path.join(dataDir, 'pglite'))).rejects.toThrow();
  });
});
