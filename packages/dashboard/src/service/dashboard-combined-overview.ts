import { AuthService, openRequestScope, type RequestScope, ValidationError } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import type { DashboardFilterInput } from '../api/dashboard.schema.ts';
import { DashboardService } from './dashboard.service.ts';
import { ageMsOf } from './dashboard-assemble.ts';
import { type CombinedOverview, combineOverviews, type RealmOverview } from './dashboard-combine.ts';

/** The combined overview as served: its age is that of the oldest realm's figures. */
export interface ServedCombinedOverview extends CombinedOverview {
  ageMs: number;
}

/**
 * The combined overview of every realm the caller may read the dashboard of. Each realm is read
 * in its own request scope (its realm context, the caller's permissions in that realm) by the same
 * service call as a single realm's page, then combined by `combineOverviews`: what a hub will later
 * do with results coming back from worker instances.
 */
export async function combinedOverviewOf(
  root: DependencyContainer,
  scope: RequestScope,
  filter: DashboardFilterInput,
): Promise<ServedCombinedOverview> {
  const { principal } = scope.context;
  // An API token is bound to one realm.
  if (principal.kind !== 'user' || scope.credential !== 'session')
    throw new ValidationError('Only a logged-in user can combine the dashboards of their realms');
  const realms = await scope.container.resolve(AuthService).realmsOf(principal.userId);
  const parts = await Promise.all(
    realms.map(async ({ id, slug, name }): Promise<RealmOverview | null> => {
      const realmScope = await openRequestScope(root, {
        context: { ...scope.context, requestId: `${scope.context.requestId}:${slug}`, realm: { id, slug } },
        credential: scope.credential,
      });
      if (!realmScope.permissions.has('dashboard:read')) return null;
      const overview = await realmScope.container.resolve(DashboardService).overview(filter);
      return { realm: { slug, name }, overview };
    }),
  );
  const read = parts.filter((part): part is RealmOverview => part !== null);
  const now = scope.context.clock.now();
  const ageMs = Math.max(0, ...read.map((part) => ageMsOf(part.overview.asOf, now)));
  return { ...combineOverviews(read), ageMs };
}
