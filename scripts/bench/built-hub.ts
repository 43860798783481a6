// What the benchmarks that drive the built hub share: a database of their own, the demo realm's
// API token, and the built server started on it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DependencyContainer } from 'tsyringe';
import {
  ApiTokenService,
  openRequestScope,
  RealmAdminService,
  systemClock,
} from '../../packages/platform/src/index.ts';

const ownHubDir = path.resolve(import.meta.dirname, '../../apps/hub');
const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function transactionCount(databaseName: string): Promise<number> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1',
      [databaseName],
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * The transactions PostgreSQL counted in `databaseName` during `work`, net of what the idle hub
 * does meanwhile (the job queue's polling). Backends report their counts after up to 10 s of
 * idleness, hence the pauses.
 */
export async function transactionsDuring(databaseName: string, work: () => Promise<void>): Promise<number> {
  const flush = () => sleep(11_000);
  await flush();
  const idleStart = await transactionCount(databaseName);
  const idleStarted = performance.now();
  await flush();
  const idleRate = ((await transactionCount(databaseName)) - idleStart) / (performance.now() - idleStarted);
  const before = await transactionCount(databaseName);
  const started = performance.now();
  await work();
  await flush();
  const counted = (await transactionCount(databaseName)) - before;
  return counted - idleRate * (performance.now() - started);
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own: a new PGlite data directory, or a new PostgreSQL database. */
export async function freshDatabase(kind: 'postgres' | 'pglite', prefix: string) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `${prefix.replaceAll('_', '-')}-`));
  const dropDir = () => rm(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') return { dataDir, env: {}, name: undefined, url: undefined, drop: dropDir };
  const name = `${prefix}_${Date.now()}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    name,
    env: { DATABASE_URL: url.toString() },
    url: url.toString(),
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropDir();
    },
  };
}

/** An API token of a realm's admin (the demo realm's by default), made through the same services the hub runs. */
export async function demoRealmToken(
  root: DependencyContainer,
  adminEmail: string,
  realmSlug = 'demo',
): Promise<string> {
  const member = await root.resolve(RealmAdminService).findMember(adminEmail, realmSlug);
  const scope = await openRequestScope(root, {
    context: {
      requestId: 'bench',
      realm: { id: member.realm.id, slug: member.realm.slug },
      principal: { kind: 'system', name: 'bench' },
      clock: systemClock,
    },
    credential: 'bearer',
  });
  const created = await scope.container
    .resolve(ApiTokenService)
    .create({ userId: member.userId, name: 'bench' });
  return created.token;
}

export interface BuiltHubOptions {
  env: Record<string, string>;
  /** Where the hub's stderr goes: a file descriptor, or this process's own stderr. */
  stderr: number | 'inherit';
  /** Writes a CPU profile of the hub (node --cpu-prof) under this name into `profileDir`. */
  profile?: { dir: string; name: string };
  /** The hub app whose `.output` runs: this checkout's by default, another one's for a before/after comparison. */
  hubDir?: string;
}

/** The built server on a free port, as operators start it; resolves once /readyz answers. */
export async function startBuiltHub({ env, stderr, profile, hubDir = ownHubDir }: BuiltHubOptions) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArgs = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${profile.dir}`, `--cpu-prof-name=${profile.name}.cpuprofile`]
    : [];
  const { DATABASE_URL: _inherited, ...inherited } = process.env;
  const child = spawn(process.execPath, [...nodeArgs, path.join(hubDir, '.output/server/index.mjs')], {
    cwd: hubDir,
    env: {
      ...inherited,
      ...env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', stderr],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = performance.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}`);
    if (performance.now() - started > 120_000) throw new Error('the hub was not ready within 120 s');
    await sleep(100);
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
