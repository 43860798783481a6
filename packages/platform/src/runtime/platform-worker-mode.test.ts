import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { createTestDatabase, postgresUnavailableReason } from '../testing/test-database.ts';
import { startPlatform } from './platform-runtime.ts';

const unavailable = await postgresUnavailableReason();

/** A runtime on a fresh PostgreSQL database, configured by `env` as the process would be. */
async function setup(env: Record<string, string>) {
  const created = await createTestDatabase('postgres');
  onTestFinished(() => created.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-worker-mode-'));
  onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const printed: string[] = [];
  const runtime = await startPlatform({
    config: loadConfig({ ...env, DATABASE_URL: created.url, NHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    migrate: false,
    printFirstStartNotice: (text) => printed.push(text),
  });
  onTestFinished(() => runtime.shutdown());
  return { created, dataDir, printed };
}

// Worker mode needs PostgreSQL, so these run on PostgreSQL only.
describe.skipIf(unavailable)('first start by mode', () => {
  it('creates no admin on a worker, whose users log in to the hub', async () => {
    const { created, dataDir, printed } = await setup({
      NHI_MODE: 'worker',
      NHI_INSTANCE_NAME: 'w1',
      NHI_HUB_URL: 'http://127.0.0.1:9',
    });

    expect(await created.systemPrisma.user.count()).toBe(0);
    expect(printed).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'initial-admin-password'))).toBe(false);
  });

  it('creates the first admin on a hub, as before', async () => {
    const { created, printed } = await setup({});

    expect(await created.systemPrisma.user.count()).toBe(1);
    expect(printed.join('')).toContain('the first administrator was created');
  });
});
