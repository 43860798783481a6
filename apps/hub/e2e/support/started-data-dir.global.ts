import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startHubProcess, waitForReady } from './hub-process.ts';
import { adminPassword } from './seed-constants.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    startedDataDir: string;
    /** Where a test file keeps the seeded data directories it copies from; removed after the run. */
    seededDataDirs: string;
  }
}

/**
 * One first start, shared: the built hub starts once on an empty data directory (migrations, the
 * first admin) and stops; tests that do not test the first start itself begin from a copy of it.
 * A first start is most of a hub's start-up time, and the suite starts the hub some forty times.
 */
export default async function setup(project: TestProject) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-e2e-templates-'));
  const dir = path.join(root, 'started');
  const seeded = path.join(root, 'seeded');
  await fs.mkdir(seeded);
  const hub = await startHubProcess({
    NHI_DATA_DIR: dir,
    NHI_ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: 'warn',
  });
  const ready = await waitForReady(hub.url).then(
    () => undefined,
    (error: unknown) => error,
  );
  const exitCode = await hub.stop();
  if (ready !== undefined || exitCode !== 0) {
    throw new Error(
      `the first start for the tests failed (exit ${exitCode}): ${String(ready ?? '')}\n${hub.output()}`,
    );
  }
  project.provide('startedDataDir', dir);
  project.provide('seededDataDirs', seeded);
  return () => fs.rm(root, { recursive: true, force: true });
}
