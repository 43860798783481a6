import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { setupScanner } from './testing/scanner-test-setup.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const rows = 5000;
const report = [
  header,
  ...Array.from(
    { length: rows },
    (_, i) =>
      `svc-${i},arn:aws:iam::111122223333:user/svc-${i},2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2024-06-01T00:00:00Z,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
  ),
].join('\n');

const here = path.dirname(fileURLToPath(import.meta.url));
const tsx = path.resolve(here, '../../../node_modules/.bin/tsx');

function startChild(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(tsx, [path.join(here, 'testing/crash-child.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

// Two processes on one database: PostgreSQL only (an embedded database belongs to one process).
describeEachDatabase('a scan interrupted by kill -9', (kind, newDatabase) => {
  it.runIf(kind === 'postgres')(
    'leaves only whole batches behind, and the retried job completes the scan',
    async () => {
      const hub = await setupScanner(newDatabase, { work: false });
      const scanner = await hub.scannerOf();
      const source = await scanner.createSource({ type: 'aws_iam', name: 'big account' });
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-crash-'));
      onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const child = startChild({
        ...process.env,
        DATABASE_URL: (hub.db as { url?: string }).url,
        NHI_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      });
      const started = await scanner.startScan({
        sourceId: source.id,
        input: 'aws.credential_report',
        upload: { name: 'report.csv', contentBase64: Buffer.from(report).toString('base64') },
      });

      // Killed once some batches have committed and others have not.
      await expect
        .poll(async () => (await scanner.getScan(started.id)).itemsProcessed, {
          timeout: 240_000,
          interval: 20,
        })
        .toBeGreaterThanOrEqual(300);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
      const afterCrash = await realmDb.transaction(async (tx) => ({
        nhis: await tx.nhi.count(),
        items: await tx.sourceItem.count(),
        credentials: await tx.credential.count(),
        summarised: await tx.nhi.count({ where: { activeCredentialCount: 1 } }),
        scan: await tx.scan.findUniqueOrThrow({
          where: { id: started.id },
          select: { state: true, itemsProcessed: true },
        }),
      }));
      expect(afterCrash.scan.state).toBe('running');
      expect(afterCrash.nhis).toBeLessThan(rows);
      expect(afterCrash.nhis % 100).toBe(0);
      expect(afterCrash.items).toBe(afterCrash.nhis);
      expect(afterCrash.credentials).toBe(afterCrash.nhis);
      expect(afterCrash.summarised).toBe(afterCrash.nhis);

      // Another hub process takes over the job once the dead one's heartbeat has lapsed.
      startChild({
        ...process.env,
        DATABASE_URL: (hub.db as { url?: string }).url,
        NHI_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      });
      await expect
        .poll(async () => (await scanner.getScan(started.id)).state, { timeout: 300_000, interval: 500 })
        .toBe('succeeded');
      const final = await scanner.getScan(started.id);
      expect(final.counts.new + final.counts.unchanged).toBe(rows);
      expect(await realmDb.transaction((tx) => tx.nhi.count())).toBe(rows);
    },
    600_000,
  );
});
