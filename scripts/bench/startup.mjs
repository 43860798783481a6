// Measures how fast a built hub answers on the embedded database: spawn to first /healthz 200
// and to /readyz 200, on a new and on an existing data directory, plus /healthz latency.
// Usage: pnpm bench:startup [runs]   (builds nothing: run `pnpm build` first)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const server = path.join(root, 'apps/hub/.output/server/index.mjs');
const runs = Number(process.argv[2] ?? 5);

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

async function waitFor(url, startedAt, deadlineMs = 60_000) {
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return performance.now() - startedAt;
    } catch {}
    if (performance.now() - startedAt > deadlineMs)
      throw new Error(`${url} not ready after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startOnce(dataDir) {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [server], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      NHI_DATA_DIR: dataDir,
      NHI_ADMIN_PASSWORD: 'benchmark-password-1',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    const healthz = await waitFor(`http://127.0.0.1:${port}/healthz`, startedAt);
    const readyz = await waitFor(`http://127.0.0.1:${port}/readyz`, startedAt);
    const latencies = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
      latencies.push(performance.now() - t);
    }
    return { healthz, readyz, latencies };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const ms = (value) => `${value.toFixed(0)} ms`;

const fresh = [];
const existing = [];
const latencies = [];
for (let run = 0; run < runs; run++) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nhi-bench-'));
  try {
    fresh.push(await startOnce(dataDir));
    const again = await startOnce(dataDir);
    existing.push(again);
    latencies.push(...again.latencies);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

console.log(`runs: ${runs} (median)`);
console.log(
  `new data dir:      spawn → /healthz ${ms(median(fresh.map((r) => r.healthz)))}, → /readyz ${ms(median(fresh.map((r) => r.readyz)))}`,
);
console.log(
  `existing data dir: spawn → /healthz ${ms(median(existing.map((r) => r.healthz)))}, → /readyz ${ms(median(existing.map((r) => r.readyz)))}`,
);
console.log(
  `/healthz latency over ${latencies.length} requests: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p95 ${percentile(latencies, 0.95).toFixed(2)} ms`,
);
