import {
  type CombinedOverview,
  combineOverviews,
  DashboardService,
  type RealmOverview,
} from '@nhi/dashboard';
import type { DashboardFilterInput } from '@nhi/dashboard/schema';
import { AuthService, openRequestScope, type RequestScope, ValidationError } from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { hubRuntime } from '../hub-runtime.server.ts';

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
): Promise<{ combined: CombinedOverview; ageMs: number }> {
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
  const combined = combineOverviews(parts.filter((part): part is RealmOverview => part !== null));
  // The oldest realm's figures say how old the combination is.
  const oldest = Math.min(...parts.flatMap((part) => (part ? [new Date(part.overview.asOf).getTime()] : [])));
  const now = scope.context.clock.now().getTime();
  return { combined, ageMs: Number.isFinite(oldest) ? Math.max(0, now - oldest) : 0 };
}

/** The same for the serverFn: the hub process's root container. */
export async function combinedDashboardOverviewOf(scope: RequestScope, filter: DashboardFilterInput) {
  return combinedOverviewOf((await hubRuntime()).root, scope, filter);
}
