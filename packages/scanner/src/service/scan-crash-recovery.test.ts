import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_QUEUE, loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { scanJob } from './scanner-jobs.ts';
import { ScannerSecrets } from './scanner-secrets.ts';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const workerScript = fileURLToPath(new URL('../testing/scan-worker.ts', import.meta.url));
const principals = 3000;

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const report = [
  header,
  ...Array.from(
    { length: principals },
    (_, i) =>
      `svc-${i},arn:aws:iam::111122223333:user/svc-${i},2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  ),
].join('\n');

/** Waits without a time limit of its own: the test's timeout bounds it, no assertion is timed. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeEachDatabase('scan crash recovery', (kind, newDatabase) => {
  // On PGlite the database lives inside the hub's process: killing the process is killing the database,
  // and another worker cannot share it. The guarantee is for workers sharing a PostgreSQL server.
  it.runIf(kind === 'postgres')(
    'a scan whose worker is killed mid-scan is finished by another worker with the complete inventory',
    async () => {
      const database = await newDatabase();
      const dataDir = await mkdtemp(path.join(tmpdir(), 'nhi-scan-crash-'));
      onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
      const env = {
        ...process.env,
        DATABASE_URL: database.url,
        NHI_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        SCAN_WORKER_BATCH_SIZE: '20',
      };
      const runtime = await startPlatform({
        config: loadConfig(env),
        firstStart: false,
        migrate: false,
        jobs: { work: false },
      });
      onTestFinished(() => runtime.shutdown());
      const prisma = runtime.database.systemPrisma;
      const realm = await prisma.realm.create({
        data: { slug: 'crash', name: 'Crash' },
        select: { id: true },
      });
      const source = await prisma.source.create({
        data: { realmId: realm.id, type: 'aws_iam', name: 'account' },
        select: { id: true },
      });
      const upload = await runtime.root.resolve(ScannerSecrets).encrypt(Buffer.from(report));
      const scan = await prisma.scan.create({
        data: {
          realmId: realm.id,
          sourceId: source.id,
          input: 'aws.credential_report',
          uploadEncrypted: new Uint8Array(upload),
          triggeredByType: 'system',
          triggeredById: 'test',
        },
        select: { id: true },
      });
      const workers: ChildProcess[] = [];
      onTestFinished(() => {
        for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
      });
      const startWorker = async () => {
        const worker = spawn(process.execPath, ['--import', 'tsx', workerScript], {
          cwd: repositoryRoot,
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        workers.push(worker);
        let output = '';
        worker.stdout?.on('data', (chunk) => {
          output += String(chunk);
        });
        await until(
          async () => output,
          (text) => text.includes('ready') || worker.exitCode !== null,
        );
        expect(worker.exitCode).toBeNull();
        return worker;
      };
      const scanRow = () =>
        prisma.scan.findUniqueOrThrow({
          where: { id: scan.id },
          select: { state: true, itemsProcessed: true, newCount: true, unchangedCount: true, error: true },
        });

      const first = await startWorker();
      await runtime.root.resolve(JOB_QUEUE).enqueue(scanJob, { realmId: realm.id, scanId: scan.id });
      // Killed once some batches committed and the rest did not.
      const midway = await until(
        scanRow,
        (row) => row.itemsProcessed >= 100 || (row.state !== 'queued' && row.state !== 'running'),
      );
      expect(midway.state).toBe('running');
      first.kill('SIGKILL');
      await once(first, 'exit');
      const committed = await prisma.nhi.count({ where: { realmId: realm.id } });
      expect(committed).toBeGreaterThan(0);
      expect(committed).toBeLessThan(principals);

      await startWorker();
      const done = await until(scanRow, (row) => ['succeeded', 'failed', 'cancelled'].includes(row.state));

      expect(done).toMatchObject({ state: 'succeeded', error: null });
      // The retry recognised what committed before the crash and wrote only the rest.
      expect(done.unchangedCount).toBe(committed);
      expect(done.newCount + done.unchangedCount).toBe(principals);
      const where = { realmId: realm.id };
      expect(await prisma.nhi.count({ where })).toBe(principals);
      const names = await prisma.nhi.groupBy({ by: ['externalId'], where, _count: true });
      expect(names).toHaveLength(principals);
      expect(await prisma.credential.count({ where })).toBe(principals);
      expect(await prisma.sourceItem.count({ where })).toBe(principals);
      // No identity was written twice: a changed identity would have a version.
      expect(await prisma.nhiVersion.count({ where })).toBe(0);
    },
    300_000,
  );
});
