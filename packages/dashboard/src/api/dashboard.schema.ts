import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';
import { z } from 'zod';

/**
 * The page-wide filter of the dashboard: environment, provider (where an identity lives) and
 * scanner source (ids of the realm's sources: identities a source reports), each a list of values
 * matching any of them.
 */
export const dashboardFilterInput = z.object({
  environment: z.array(z.enum(nhiEnvironments)).max(nhiEnvironments.length).optional(),
  provider: z.array(z.enum(nhiProviders)).max(nhiProviders.length).optional(),
  source: z.array(z.string().uuid()).max(50).optional(),
});
export type DashboardFilterInput = z.input<typeof dashboardFilterInput>;

/**
 * The page's data call: the filter, `fresh` when the user asked for a refresh (counted anew
 * rather than served from the last seconds' overview of an unchanged realm), and how many days
 * the trend looks back (30 unless asked).
 */
export const dashboardOverviewInput = dashboardFilterInput.extend({
  fresh: z.boolean().optional(),
  trendDays: z.union([z.literal(7), z.literal(30), z.literal(90)]).optional(),
});
export type DashboardOverviewInput = z.input<typeof dashboardOverviewInput>;
