import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const hubDir = path.resolve(import.meta.dirname, '../..');
export const serverEntry = path.join(hubDir, '.output/server/index.mjs');
export const artifactsDir = path.join(hubDir, 'artifacts');

export interface RunningHub {
  url: string;
  /** Milliseconds from spawning the process to the first 200 from /healthz. */
  startupMs: number;
  /** Everything the process wrote, for the artifacts and for failure messages. */
  output(): string;
  /** What it wrote to standard output (the JSON log) and to standard error, each on its own. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts the built server the way operators do: `node .output/server/index.mjs`, configured by environment. */
export async function startHubProcess(env: Record<string, string>): Promise<RunningHub> {
  if (!fs.existsSync(serverEntry)) {
    throw new Error(`${serverEntry} is missing: build the hub first (pnpm --filter @nhi/hub build)`);
  }
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [serverEntry], {
    cwd: hubDir,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealthy(url, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- hub output ---\n${output}`,
    );
  }
  const startupMs = performance.now() - startedAt;
  return {
    url,
    startupMs,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Generous: a start costs seconds of CPU, and beside the package tests on two cores a first start
 * seeding the demo realm has taken over a minute.
 */
const startTimeoutMs = 120_000;

async function waitForHealthy(url: string, child: ChildProcess, timeoutMs = startTimeoutMs): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hub exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`hub did not answer /healthz within ${timeoutMs} ms`);
}

export async function waitForReady(url: string, timeoutMs = startTimeoutMs): Promise<number> {
  const startedAt = performance.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return performance.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`hub was not ready within ${timeoutMs} ms`);
}

/** Timings are recorded, never asserted: they depend on the machine. */
export function recordTiming(name: string, milliseconds: number): void {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, 'timings.json');
  const timings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  timings[name] = Math.round(milliseconds);
  fs.writeFileSync(file, `${JSON.stringify(timings, null, 2)}\n`);
  process.stdout.write(`[timing] ${name}: ${Math.round(milliseconds)} ms\n`);
}
