// The public face of @nhi/scanner: discovery sources, durable scans, leaks and finding facts.
// Zod shapes and views for the UI: '@nhi/scanner/schema'; the fact vocabulary alone: '@nhi/scanner/facts'.
import 'reflect-metadata';
import './scanner.permissions.ts';

export {
  isScanFactKind,
  type ObservedFact,
  type ScanFactKind,
  scanFactKindList,
  scanFactKinds,
} from './scan-facts.ts';
export { ScanRunner } from './scan-runner.ts';
export { scannerDomain } from './scanner.domain.ts';
export { type ScannerPermission, scannerPermissions } from './scanner.permissions.ts';
export { scannerRouter } from './scanner.procedures.ts';
export type {
  LeakView,
  ScanInput,
  ScannerAbilities,
  ScanState,
  ScanView,
  SourcesPage,
  SourceType,
  SourceView,
} from './scanner.schema.ts';
export { ScannerService } from './scanner.service.ts';
export {
  registerScannerJobs,
  type ScannerJobOptions,
  scanJob,
  scheduledInputOf,
  scheduledScanJob,
} from './scanner-jobs.ts';
export { ScannerSecrets } from './scanner-secrets.ts';
