import { alertDomain } from '@nhi/alert';
import { dashboardDomain } from '@nhi/dashboard';
import { nhiDomain } from '@nhi/nhi';
import { platformDomain } from '@nhi/platform';
import { policyDomain } from '@nhi/policy';
import { scannerDomain } from '@nhi/scanner';

/**
 * The domains the hub serves, in the order their jobs are registered: a domain's services and
 * jobs, its permissions and its procedures all come in through this list.
 */
export const hubDomains = [
  platformDomain,
  policyDomain,
  nhiDomain,
  scannerDomain,
  alertDomain,
  dashboardDomain,
] as const;
