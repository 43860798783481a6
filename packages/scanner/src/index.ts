// The public face of @nhi/scanner: discovery sources, durable scans, leaks and finding facts.
import 'reflect-metadata';
import './scanner.permissions.ts';

export {
  isScanFactKind,
  type ObservedFact,
  type ScanFactKind,
  scanFactKindList,
  scanFactKinds,
} from './scan-facts.ts';
export { type ScannerPermission, scannerPermissions } from './scanner.permissions.ts';
