import {
  AuthService,
  InstanceForwarder,
  openRequestScope,
  type RealmOfUser,
  type RequestScope,
  ValidationError,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import type { DashboardFilterInput } from '../api/dashboard.schema.ts';
import type { DashboardOverview } from '../api/dashboard-view.ts';
import { DashboardService } from './dashboard.service.ts';
import { ageMsOf } from './dashboard-assemble.ts';
import {
  type CombinedOverview,
  combineOverviews,
  type RealmOverview,
  type RealmRef,
} from './dashboard-combine.ts';

/**
 * How long the combined overview waits for a realm a worker instance serves: past it, the realm
 * is reported unavailable and the others are shown. A realm's own overview is served from its
 * cache in milliseconds; seconds mean the instance is in trouble.
 */
export const combinedRealmDeadlineMs = 5_000;

/** A realm the combined overview could not read, and why, shown beside the others' figures. */
export interface UnavailableRealm extends RealmRef {
  instance: string;
  reason: string;
}

/** The combined overview as served: its age is that of the oldest realm's figures. */
export interface ServedCombinedOverview extends CombinedOverview {
  ageMs: number;
  unavailable: UnavailableRealm[];
}

type RealmPart = RealmOverview | UnavailableRealm | null;

/**
 * The combined overview of every realm the caller may read the dashboard of. Each realm is read
 * in its own request scope (its realm context, the caller's permissions in that realm) by the same
 * call as a single realm's page, in parallel: here by the service, or on the worker instance that
 * serves it through the forwarder, under a deadline. Then combined by `combineOverviews`.
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
  const parts = await Promise.all(realms.map((realm) => realmPartOf(root, scope, realm, filter)));
  const read = parts.filter((part): part is RealmOverview => part !== null && 'overview' in part);
  const unavailable = parts.filter((part): part is UnavailableRealm => part !== null && 'reason' in part);
  const now = scope.context.clock.now();
  const ageMs = Math.max(0, ...read.map((part) => ageMsOf(part.overview.asOf, now)));
  return { ...combineOverviews(read), ageMs, unavailable };
}

async function realmPartOf(
  root: DependencyContainer,
  scope: RequestScope,
  { id, slug, name, placement }: RealmOfUser,
  filter: DashboardFilterInput,
): Promise<RealmPart> {
  const context = {
    ...scope.context,
    requestId: `${scope.context.requestId}:${slug}`,
    realm: { id, slug, ...(placement ? { placement } : {}) },
  };
  if (!placement) {
    const realmScope = await openRequestScope(root, { context, credential: scope.credential });
    if (!realmScope.permissions.has('dashboard:read')) return null;
    const overview = await realmScope.container.resolve(DashboardService).overview(filter);
    return { realm: { slug, name }, overview };
  }
  // The worker decides the permission from its own policies: a refusal leaves the realm out.
  try {
    const overview = (await root
      .resolve(InstanceForwarder)
      .call(
        { context },
        { type: 'query', path: 'dashboard.overview', input: filter },
        { timeoutMs: combinedRealmDeadlineMs },
      )) as DashboardOverview;
    return { realm: { slug, name }, overview };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return null;
    const reason = error instanceof Error ? error.message : String(error);
    return { slug, name, instance: placement.instance, reason };
  }
}
