import { createHash } from 'node:crypto';
import { nhiEnvironments, nhiKinds, nhiProviders } from '@nhi/nhi/vocabulary';
import {
  allCoverage,
  CLOCK,
  type Clock,
  type Coverage,
  coverageIfHeld,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  RealmDb as RealmDbClass,
  type RealmQuery,
  type RequestContext,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type DashboardFilterInput,
  type DashboardOverviewInput,
  dashboardFilterInput,
} from '../api/dashboard.schema.ts';
import {
  type DashboardFigures,
  type DashboardFilter,
  type DashboardOverview,
  defaultTrendDays,
  type ServedOverview,
  type TrendDays,
  trendsKeptForRealm,
} from '../api/dashboard-view.ts';
import { changeStampOf } from '../sql/dashboard-change-stamp.sql.ts';
import {
  alertFigures,
  identityFigures,
  identityFiguresOf,
  identityGroups,
  identityHalves,
  leakCount,
  wholeRealm,
} from '../sql/dashboard-figures.sql.ts';
import {
  disabledRules,
  fixFirst,
  recentAlertActivity,
  recentScans,
  scannerSources,
} from '../sql/dashboard-lists.sql.ts';
import {
  dayOf,
  figuresWeekBefore,
  openAlertsOf,
  presentCells,
  type SnapshotCell,
  trendBefore,
  writeSnapshot,
} from '../sql/dashboard-snapshots.sql.ts';
import {
  ageMsOf,
  countsOf,
  credentialAgeOf,
  figuresOf,
  presentCountsOf,
  riskLevelsOf,
} from './dashboard-assemble.ts';
import { DashboardOverviewCache } from './dashboard-overview-cache.ts';

/** Figures of 100k identities take a few hundred ms on a busy machine: more than a request default. */
const readTimeoutMs = 30_000;

/**
 * Whose identities the overview counts: identity figures (and leaks, which are about identities)
 * over the caller's `nhi:read` coverage, alert figures over `alert:read`. A caller without one of
 * them sees those figures of the whole realm, as `dashboard:read` always showed them.
 */
interface OverviewCoverage {
  identities: Coverage;
  alerts: Coverage;
}

function overviewCoverageOf(permissions: RequestPermissions): OverviewCoverage {
  return {
    identities: coverageIfHeld(permissions, 'nhi:read'),
    alerts: coverageIfHeld(permissions, 'alert:read'),
  };
}

/** Whether the overview is narrower than the realm: then the realm-wide snapshots do not apply. */
const isScoped = (coverage: OverviewCoverage) =>
  coverage.identities.kind !== 'all' || coverage.alerts.kind !== 'all';

/**
 * The coverage as part of the cache key: members of the same teams share their overview. A
 * digest of the group ids, since a team's subtree may hold a thousand groups.
 */
function coverageKey({ identities, alerts }: OverviewCoverage): string {
  const key = (coverage: Coverage) =>
    coverage.kind === 'groups'
      ? createHash('sha256').update(coverage.groupIds.join(',')).digest('base64url')
      : coverage.kind;
  return `${key(identities)}|${key(alerts)}`;
}

/** The unfiltered or filtered headline figures of the whole realm, as the daily snapshot counts them. */
export async function figuresIn(query: RealmQuery, realmId: string, filter: DashboardFilter, now: Date) {
  const identities = await identityFigures(query, realmId, filter, now, allCoverage);
  const alerts = await alertFigures(query, realmId, filter, allCoverage);
  const leaks = await leakCount(query, realmId, filter, allCoverage);
  return { identities, alerts, figures: figuresOf(identities, alerts, leaks) };
}

/** The dashboard of the request's realm: every figure counted in the database, set-based. */
@injectable()
export class DashboardService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(DashboardOverviewCache) private readonly cache: DashboardOverviewCache,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /**
   * The overview under the page filter. While nothing in the realm changed (its change stamp) an
   * overview built less than a few seconds ago is served again, with its own asOf; `fresh` (the
   * user's refresh button) counts anew. `trendDays`: how far back the trend looks. A scoped
   * caller's overview is kept apart, by coverage, from the whole realm's.
   */
  async overview(
    input: DashboardFilterInput = {},
    options: { fresh?: boolean; trendDays?: TrendDays } = {},
  ): Promise<DashboardOverview> {
    const filter = normalise(parseInput(dashboardFilterInput, input, 'dashboard filter'));
    const now = this.context.clock.now();
    const realmId = this.context.realm.id;
    const stamp = await this.realmDb.read((query) => changeStampOf(query, realmId));
    const trendDays = options.trendDays ?? defaultTrendDays;
    const coverage = overviewCoverageOf(this.permissions);
    return this.cache.get(
      `${realmId}:${coverageKey(coverage)}:${JSON.stringify(filter)}:${trendDays}`,
      stamp,
      now.getTime(),
      () => this.build(filter, now, trendDays, coverage),
      options.fresh,
    );
  }

  /** What dashboard.overview serves: the overview under the page's filter, and its age. */
  async served(input: DashboardOverviewInput = {}): Promise<ServedOverview> {
    const { fresh, trendDays, ...filter } = input;
    const overview = await this.overview(filter, { fresh, trendDays });
    return { ...overview, ageMs: ageMsOf(overview.asOf, this.context.clock.now()) };
  }

  private async build(
    filter: DashboardFilter,
    now: Date,
    trendDays: TrendDays,
    coverage: OverviewCoverage,
  ): Promise<DashboardOverview> {
    const realmId = this.context.realm.id;
    // The daily snapshots count the whole realm: a scoped caller gets no trend rather than its numbers.
    const scoped = isScoped(coverage);
    const today = dayOf(now);
    const filtered = Boolean(filter.environment || filter.provider || filter.source);
    // Independent reads, each in its own read-only realm transaction: on PostgreSQL they run side
    // by side on pooled connections (the call takes as long as the slowest, the identity pass),
    // on PGlite one after another. Without parallel workers: with five reads already side by side,
    // the identity pass's workers only took cores from the other reads (p95 93 ms against 74 ms on
    // the bench's two cores).
    const read = <T>(fn: (query: RealmQuery) => Promise<T>) =>
      this.realmDb.read(fn, { parallelWorkers: false });
    // The whole realm's identity pass, the slowest read, in two halves side by side: on the bench's
    // two cores its overview took p50 96-102 ms as one pass, 84-90 ms in halves. A team's share is
    // small and found by index: one pass.
    const parts = coverage.identities.kind === 'all' ? identityHalves : [wholeRealm];
    const identityParts = parts.map((part) =>
      read((query) => identityGroups(query, realmId, filter, now, coverage.identities, part)),
    );
    const [identityGroupsOfParts, alerts, leaks, lists, trends] = await Promise.all([
      Promise.all(identityParts),
      read((query) => alertFigures(query, realmId, filter, coverage.alerts)),
      read((query) => leakCount(query, realmId, filter, coverage.identities)),
      read(async (query) => ({
        fixFirst: await fixFirst(query, realmId, filter, coverage.identities),
        recentScans: await recentScans(query, realmId, filter),
        recentAlertActivity: await recentAlertActivity(query, realmId, filter, coverage.alerts),
        sources: await scannerSources(query, realmId),
        disabledRules: await disabledRules(query, realmId),
      })),
      scoped
        ? Promise.resolve(null)
        : read(async (query) => ({
            trend: await trendBefore(query, realmId, today, filter, trendDays),
            weekAgo: await figuresWeekBefore(query, realmId, today, filter),
          })),
    ]);
    const identities = identityFiguresOf(identityGroupsOfParts.flat());
    const figures = figuresOf(identities, alerts, leaks);
    return {
      asOf: now,
      filter,
      figures,
      weekAgo: trends?.weekAgo ?? null,
      byKind: countsOf(nhiKinds, identities.byKind),
      byProvider: countsOf(nhiProviders, identities.byProvider),
      byEnvironment: countsOf(nhiEnvironments, identities.byEnvironment),
      credentialAge: credentialAgeOf(identities),
      openAlertsByOwasp: presentCountsOf(alerts.byOwasp),
      riskLevels: riskLevelsOf(identities),
      // Under a filter, only the days whose snapshot kept figures per environment and provider:
      // without any, today's point alone is no trend.
      trend: !trends
        ? null
        : filtered && trends.trend.length === 0
          ? []
          : [
              ...trends.trend,
              {
                day: today,
                openAlerts: openAlertsOf(figures),
                riskScore: figures.riskScore,
                nhiTotal: figures.nhiTotal,
              },
            ],
      trendWithheld: trends ? null : trendsKeptForRealm,
      trendDays,
      topOwners: alerts.topOwners,
      ...lists,
    };
  }
}

/**
 * Takes the daily snapshots of a realm given by id: what the job calls (a job has no request).
 */
@injectable()
export class DashboardSnapshots {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async take(realmId: string): Promise<DashboardFigures> {
    const now = this.clock.now();
    return new RealmDbClass(this.database, realmId).transaction(
      async (tx) => {
        const query: RealmQuery = (statement) => tx.$queryRaw(statement);
        const { figures } = await figuresIn(query, realmId, {}, now);
        // Each cell counted by the same queries as a filtered page, so a filtered trend compares
        // like with like.
        const cells: SnapshotCell[] = [];
        for (const { environment, provider } of await presentCells(query, realmId)) {
          const cell = await figuresIn(
            query,
            realmId,
            { environment: [environment], provider: [provider] },
            now,
          );
          cells.push({
            environment,
            provider,
            figures: cell.figures,
            riskSum: cell.identities.headline.riskSum,
          });
        }
        await writeSnapshot(tx, realmId, figures, cells, now);
        return figures;
      },
      { timeout: readTimeoutMs },
    );
  }
}

/** Empty lists filter nothing; a filter naming every value is no filter either. */
function normalise(filter: DashboardFilter): DashboardFilter {
  const environment = filter.environment?.length ? [...new Set(filter.environment)].sort() : undefined;
  const provider = filter.provider?.length ? [...new Set(filter.provider)].sort() : undefined;
  const source = filter.source?.length ? [...new Set(filter.source)].sort() : undefined;
  return {
    ...(environment && environment.length < nhiEnvironments.length ? { environment } : {}),
    ...(provider && provider.length < nhiProviders.length ? { provider } : {}),
    ...(source ? { source } : {}),
  };
}
