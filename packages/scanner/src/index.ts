// The public face of @nhi/scanner: the domain, the services that run scans, and the few types callers name.
// Zod shapes and views for the UI: '@nhi/scanner/schema'; the fact vocabulary alone: '@nhi/scanner/facts'.
import 'reflect-metadata';
// Importing the package adds the scanner's permissions to the catalogue.
import './api/scanner.permissions.ts';
import './remediation/api/remediation.permissions.ts';

export type { ScanFactKind } from './api/scan-facts.ts';
export type { ScanInput, ScanView, SourceType } from './api/scanner.schema.ts';
export type {
  RemediationAvailability,
  RemediationPlan,
  RemediationSettings,
  RemediationView,
} from './remediation/api/remediation.schema.ts';
export { RemediationService } from './remediation/service/remediation.service.ts';
export { scannerDomain } from './scanner.domain.ts';
export { AccessGraphService } from './service/access-graph/access-graph.service.ts';
export type {
  AccessEdge,
  AccessGraph,
  AccessNode,
  AccessNodeType,
  AccessSeverity,
} from './service/access-graph/access-graph.ts';
export {
  type LeakExportInput,
  LeakExportService,
  leakExportBatchSize,
  leakExportInput,
  leakExportMedia,
} from './service/leak-export.ts';
export { type SarifProduct, sarifLevelOf } from './service/leak-sarif.ts';
export { ScanDiffService } from './service/scan-diff.ts';
export {
  type NhiScanObservations,
  type ScanObservation,
  ScanObservationsService,
  type SourceOfNhi,
} from './service/scan-observations.ts';
export { ScanRunner } from './service/scan-runner.ts';
export { ScannerService } from './service/scanner.service.ts';
export { registerScannerJobs, scheduledInputOf } from './service/scanner-jobs.ts';
export { ScannerSecrets } from './service/scanner-secrets.ts';
export { defaultSnsTrust, type SnsTrust, SnsVerifier } from './service/sns-messages.ts';
export { maxEventBodyBytes, type SourceEventAnswer, SourceEvents } from './service/source-events.ts';
