import { defineDomain } from '@nhi/platform';
import { alertPermissions } from './api/alert.permissions.ts';
import { alertRouter } from './api/alert.procedures.ts';
import { registerAlertJobs } from './service/alert-jobs.ts';

/** Rules, alerts and their delivery; evaluations and deliveries run as jobs. */
export const alertDomain = defineDomain({
  name: 'alert',
  router: alertRouter,
  permissions: alertPermissions,
  jobs: (runtime) => registerAlertJobs(runtime),
});
