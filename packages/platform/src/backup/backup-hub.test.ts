import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Config } from '../config/config.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { createLogger } from '../logging/logger.ts';
import type { PlatformRuntime } from '../runtime/platform-runtime.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import {
  BACKUP_ENDPOINT_FILE,
  type BackupEndpoint,
  isLoopbackAddress,
  requestBackupFromHub,
  startBackupEndpoint,
} from './backup-endpoint.ts';
import { pruneBackups, scheduledBackupName } from './backup-files.ts';
import { backupJobName, scheduleBackups, writeScheduledBackup } from './backup-schedule.ts';
import { memorySink } from './testing/backup-fixtures.ts';

const logger = createLogger({ level: 'silent' });

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-backup-'));
}

function linesOf(backup: Buffer): string[] {
  return gunzipSync(backup).toString('utf8').trimEnd().split('\n');
}

describe('the local backup endpoint of a hub on the embedded database', () => {
  let database: TestDatabase;
  let dataDir: string;
  let endpoint: BackupEndpoint;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    dataDir = tempDir();
    endpoint = await startBackupEndpoint({ dataDir, database, logger });
  });
  afterAll(async () => {
    await endpoint?.close();
    await database?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on the loopback address only, and keeps its token in a file only the owner reads', () => {
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const file = path.join(dataDir, BACKUP_ENDPOINT_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.1.2')).toBe(false);
  });

  it('refuses a caller without the token, or with another one', async () => {
    const without = await fetch(`${endpoint.url}/backup`, { method: 'POST' });
    expect(without.status).toBe(401);
    expect(await without.json()).toEqual({ error: 'the token from the data directory is required' });
    const wrong = await fetch(`${endpoint.url}/backup`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${endpoint.url}/other`, { method: 'POST' })).status).toBe(404);
  });

  it('sends a whole backup to a caller with the token from the data directory', async () => {
    const sink = memorySink();
    await requestBackupFromHub(dataDir, sink.stream);
    const lines = linesOf(sink.bytes());
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ format: 'nhi-hub-backup', database: 'pglite' });
    expect(JSON.parse(lines.at(-1) ?? '')[0]).toBe('end');
  });

  it('is gone with its file once closed, and the CLI then says the hub offers none', async () => {
    const other = tempDir();
    try {
      const closing = await startBackupEndpoint({ dataDir: other, database, logger });
      await closing.close();
      expect(fs.existsSync(path.join(other, BACKUP_ENDPOINT_FILE))).toBe(false);
      await expect(requestBackupFromHub(other, memorySink().stream)).rejects.toThrow(
        /offers no backup endpoint/,
      );
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('backup retention', () => {
  it('keeps the newest scheduled backups and leaves other files alone', () => {
    const dir = tempDir();
    try {
      const days = [1, 2, 3, 4].map((day) => scheduledBackupName(new Date(Date.UTC(2026, 11, day, 3))));
      for (const name of [...days, 'hand-made.jsonl.gz']) fs.writeFileSync(path.join(dir, name), '');
      expect(pruneBackups(dir, 2).sort()).toEqual(days.slice(0, 2));
      expect(fs.readdirSync(dir).sort()).toEqual([...days.slice(2), 'hand-made.jsonl.gz'].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachDatabase('scheduled backups', (_kind, newDatabase) => {
  it('writes a backup on the schedule through the job queue and keeps NHI_BACKUP_KEEP of them', async () => {
    const database = await newDatabase();
    const hub = await database.systemPrisma.realm.create({ data: { slug: 'hub', name: 'Hub' } });
    const dir = tempDir();
    const jobs = new JobQueue(database.jobStore, logger, { pollingIntervalSeconds: 1 });
    try {
      for (const day of [1, 2])
        await writeScheduledBackup(database, dir, 2, new Date(Date.UTC(2026, 11, day)));
      await jobs.start();
      const config = {
        dataDir: dir,
        NHI_BACKUP_DIR: dir,
        NHI_BACKUP_KEEP: 2,
        NHI_BACKUP_SCHEDULE: '0 3 * * *',
      } as Config;
      const runtime = { jobs, config, database, logger } as unknown as PlatformRuntime;
      await scheduleBackups(runtime);
      expect(await jobs.schedules(backupJobName)).toEqual([
        expect.objectContaining({ cron: '0 3 * * *', payload: { realmId: hub.id } }),
      ]);
      // What the schedule sends on its tick.
      await jobs.enqueue(backupJobName, { realmId: hub.id });
      // The oldest goes once the new backup is complete.
      const oldest = scheduledBackupName(new Date(Date.UTC(2026, 11, 1)));
      await vi.waitFor(() => expect(fs.readdirSync(dir)).not.toContain(oldest), {
        timeout: 30_000,
        interval: 100,
      });
      const names = fs.readdirSync(dir).sort();
      expect(names).toHaveLength(2);
      expect(names[0]).toBe(scheduledBackupName(new Date(Date.UTC(2026, 11, 2))));
      expect(JSON.parse(linesOf(fs.readFileSync(path.join(dir, names[1] ?? ''))).at(-1) ?? '')[0]).toBe(
        'end',
      );

      await expect(
        scheduleBackups({
          ...runtime,
          config: { ...config, NHI_BACKUP_SCHEDULE: 'every day' },
        } as PlatformRuntime),
      ).rejects.toThrow(/NHI_BACKUP_SCHEDULE is not a valid cron expression/);
    } finally {
      await jobs.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
