import { alertDomain } from '@nhi/alert';
import { dashboardDomain } from '@nhi/dashboard';
import { nhiDomain } from '@nhi/nhi';
import { platformDomain, type SavedViewPages, savedViewsDomain } from '@nhi/platform';
import { policyDomain } from '@nhi/policy';
import { scannerDomain } from '@nhi/scanner';
import { validateAlertSearch } from '../components/alerts/alert-search.ts';
import { parseInventorySearch } from '../components/inventory/inventory-search.ts';

/** The pages that keep saved views, with the URL schemas that check every stored view. */
export const savedViewPages = {
  alerts: {
    readPermission: 'alert:read',
    parseSearch: validateAlertSearch,
    pagingKeys: ['after', 'before'],
  },
  inventory: {
    readPermission: 'nhi:read',
    parseSearch: parseInventorySearch,
    pagingKeys: ['cursor', 'page'],
  },
} satisfies SavedViewPages;

export const savedViews = savedViewsDomain(savedViewPages);

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
  savedViews,
] as const;
