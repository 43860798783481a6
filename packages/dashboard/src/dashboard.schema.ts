import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';
import { z } from 'zod';

/**
 * The page-wide filter of the dashboard: environment and source (the provider an identity comes
 * from, the inventory's `provider` filter), each a list of values matching any of them.
 */
export const dashboardFilterInput = z.object({
  environment: z.array(z.enum(nhiEnvironments)).max(nhiEnvironments.length).optional(),
  provider: z.array(z.enum(nhiProviders)).max(nhiProviders.length).optional(),
});
export type DashboardFilterInput = z.input<typeof dashboardFilterInput>;
