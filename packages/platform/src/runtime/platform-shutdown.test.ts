import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { createLogger } from '../logging/logger.ts';
import { createTestDatabase, postgresUnavailableReason } from '../testing/test-database.ts';
import { startPlatform } from './platform-runtime.ts';

const unavailable = await postgresUnavailableReason();
const sleepJob = 'test.sleep';

/** A hub runtime with jobs on a fresh PostgreSQL database, and a job that sleeps in a statement. */
async function setup() {
  const created = await createTestDatabase('postgres');
  onTestFinished(() => created.close());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-shutdown-'));
  onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const runtime = await startPlatform({
    config: loadConfig({ DATABASE_URL: created.url, NHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }),
    migrate: false,
    firstStart: false,
    jobs: { pollingIntervalSeconds: 0.5 },
  });
  onTestFinished(() => runtime.shutdown());
  const realm = await created.systemPrisma.realm.create({
    data: { slug: 'r', name: 'R' },
    select: { id: true },
  });
  await runtime.jobs?.register(
    sleepJob,
    async () => {
      await runtime.database.systemQuery('sleep', 'SELECT 1 AS slept FROM pg_sleep(600)', []);
    },
    { retryLimit: 3, retryDelaySeconds: 1 },
  );
  const sleepers = async () => {
    const [row] = await created.systemQuery<{ n: number }>(
      'sleepers',
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(600)%'
         AND pid <> pg_backend_pid()`,
      [],
    );
    return row?.n ?? 0;
  };
  return { created, runtime, realmId: realm.id, sleepers };
}

async function until(condition: () => Promise<boolean>, what: string) {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Never saw: ${what}`);
}

describe.skipIf(unavailable)('Shutting down with a job running on PostgreSQL', () => {
  it('stops the job within the time given, cancels its statement, and leaves it to be retried', async () => {
    const { created, runtime, realmId, sleepers } = await setup();
    const jobId = await runtime.jobs?.enqueue(sleepJob, { realmId });
    await until(async () => (await sleepers()) === 1, 'the job running its statement');

    // Without the cancel, closing the pool would wait for the ten-minute statement (the test's limit is 30 s).
    await runtime.shutdown({ timeoutMs: 2000 });

    expect(await sleepers()).toBe(0);
    const observer = new JobQueue(created.jobStore, createLogger({ level: 'silent' }), { work: false });
    await observer.start();
    onTestFinished(() => observer.stop());
    expect(await observer.jobState(sleepJob, jobId as string)).toBe('retry');
  });
});
