import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, inject } from 'vitest';
import { type RunningHub, startHubProcess, waitForReady } from './hub-process.ts';
import { adminPassword } from './seed-constants.ts';

export interface FileHub<T> {
  hub: RunningHub;
  dataDir: string;
  /** What `prepare` returned. */
  value: T;
}

/**
 * One hub for the tests of a file that change nothing another of them looks at (each logs in with
 * a context of its own, reads, or writes what only it reads): a hub start costs seconds of both
 * cores, a test on a running hub a fraction of that. Tests that need a fresh database keep their own
 * (startReadyHub). Call it at the top of the file; the first test that awaits the returned function
 * starts the hub on a copy of the started data directory that `prepare` has seeded first; it is
 * stopped and its data directory removed after the file's last test.
 */
export function hubForFile<T = undefined>(
  prepare?: (dataDir: string) => Promise<T>,
  env: Record<string, string> | ((value: T) => Record<string, string>) = {},
): () => Promise<FileHub<T>> {
  let started: Promise<FileHub<T>> | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    const running = await started?.catch(() => undefined);
    await running?.hub.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });
  return () => {
    started ??= (async () => {
      dataDir = await fs.mkdtemp(path.join(inject('seededDataDirs'), 'file-hub-'));
      await fs.cp(inject('startedDataDir'), dataDir, { recursive: true });
      const value = (prepare ? await prepare(dataDir) : undefined) as T;
      // The environment may depend on what `prepare` started (a provider's address, say).
      const settings = typeof env === 'function' ? env(value) : env;
      const hub = await startHubProcess({
        NHI_DATA_DIR: dataDir,
        NHI_ADMIN_PASSWORD: adminPassword,
        ...settings,
      });
      try {
        await waitForReady(hub.url);
      } catch (error) {
        await hub.stop();
        throw error;
      }
      return { hub, dataDir, value };
    })();
    return started;
  };
}
