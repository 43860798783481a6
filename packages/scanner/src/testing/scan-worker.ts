// A worker process for the crash-recovery test: runs the scanner's jobs against the database in
// DATABASE_URL until it is killed. Prints "ready" once its handlers are registered.
import { loadConfig, startPlatform } from '@nhi/platform';
import { registerScannerJobs } from '../service/scanner-jobs.ts';

const runtime = await startPlatform({
  config: loadConfig(process.env),
  firstStart: false,
  migrate: false,
  // Jobs of a dead worker are looked for every second, so the test does not wait a minute for it.
  jobs: { pollingIntervalSeconds: 0.5, superviseIntervalSeconds: 1 },
});
await registerScannerJobs(runtime.root, {
  batchSize: Number(process.env.SCAN_WORKER_BATCH_SIZE ?? 20),
  heartbeatSeconds: 10,
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void runtime.shutdown().then(() => process.exit(0));
});
