// A hub process for the crash test: runs the scanner's jobs until it is killed.
import 'reflect-metadata';
import { createLogger, loadConfig, startPlatform } from '@nhi/platform';
import { registerScannerJobs } from '../scanner-jobs.ts';

const config = loadConfig(process.env);
const runtime = await startPlatform({
  config,
  logger: createLogger({ level: 'silent' }),
  migrate: false,
  firstStart: false,
  jobs: { pollingIntervalSeconds: 0.5 },
});
await registerScannerJobs(runtime.root, { batchSize: 100, heartbeatSeconds: 10 });
process.stdout.write('ready\n');
