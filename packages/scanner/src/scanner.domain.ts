import { defineDomain } from '@nhi/platform';
import { scannerPermissions } from './api/scanner.permissions.ts';
import { scannerRouter } from './api/scanner.procedures.ts';
import { remediationPermissions } from './remediation/api/remediation.permissions.ts';
import { registerScannerJobs } from './service/scanner-jobs.ts';

/** Sources, scans and leaks; scans run as jobs of the process that owns the database. */
export const scannerDomain = defineDomain({
  name: 'scanner',
  router: scannerRouter,
  permissions: [...scannerPermissions, ...remediationPermissions],
  jobs: async (runtime) => {
    await registerScannerJobs(runtime.root);
  },
});
