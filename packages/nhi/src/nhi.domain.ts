import { defineDomain } from '@nhi/platform';
import { nhiAccessPermissions } from './api/nhi.permissions.ts';
import { nhiRouter } from './api/nhi.procedures.ts';
import { registerOwnerSuggestionJobs } from './service/owner-suggestion-jobs.ts';

/** The inventory: scans and imports write to it; its one job suggests owners after scans. */
export const nhiDomain = defineDomain({
  name: 'nhi',
  router: nhiRouter,
  permissions: nhiAccessPermissions,
  jobs: (runtime) => registerOwnerSuggestionJobs(runtime),
});
