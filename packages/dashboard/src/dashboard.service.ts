import { nhiEnvironments, nhiKinds, nhiProviders } from '@nhi/nhi/vocabulary';
import {
  CLOCK,
  type Clock,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  type RealmDb,
  RealmDb as RealmDbClass,
  type RealmTx,
  type RequestContext,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type DashboardFilterInput, dashboardFilterInput } from './dashboard.schema.ts';
import { countsOf, credentialAgeOf, figuresOf, presentCountsOf, riskLevelsOf } from './dashboard-assemble.ts';
import { alertFigures, identityFigures, leakCount } from './dashboard-figures.sql.ts';
import { fixFirst, recentAlertActivity, recentScans, topOwners } from './dashboard-lists.sql.ts';
import {
  dayOf,
  figuresWeekBefore,
  openAlertsOf,
  trendBefore,
  writeSnapshot,
} from './dashboard-snapshots.sql.ts';
import type { DashboardFigures, DashboardFilter, DashboardOverview } from './dashboard-view.ts';

/** Figures of 100k identities take a few hundred ms on a busy machine: more than a request default. */
const readTimeoutMs = 30_000;

async function figuresIn(tx: RealmTx, realmId: string, filter: DashboardFilter, now: Date) {
  const identities = await identityFigures(tx, realmId, filter, now);
  const alerts = await alertFigures(tx, realmId, filter);
  const leaks = await leakCount(tx, realmId, filter);
  return { identities, alerts, figures: figuresOf(identities, alerts, leaks) };
}

/** The dashboard of the request's realm: every figure counted in the database, set-based. */
@injectable()
export class DashboardService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
  ) {}

  async overview(input: DashboardFilterInput = {}): Promise<DashboardOverview> {
    const filter = normalise(parseInput(dashboardFilterInput, input, 'dashboard filter'));
    const now = this.context.clock.now();
    const realmId = this.context.realm.id;
    const today = dayOf(now);
    const filtered = Boolean(filter.environment || filter.provider);
    const options = { timeout: readTimeoutMs };
    // Independent reads: on PostgreSQL they run side by side on pooled connections.
    const [counted, lists, history] = await Promise.all([
      this.realmDb.transaction((tx) => figuresIn(tx, realmId, filter, now), options),
      this.realmDb.transaction(
        async (tx) => ({
          fixFirst: await fixFirst(tx, realmId, filter),
          topOwners: await topOwners(tx, realmId, filter),
          recentScans: await recentScans(tx, realmId, filter),
          recentAlertActivity: await recentAlertActivity(tx, realmId, filter),
        }),
        options,
      ),
      this.realmDb.transaction(
        async (tx) => ({
          trend: await trendBefore(tx, realmId, today),
          weekAgo: filtered ? null : await figuresWeekBefore(tx, realmId, today),
        }),
        options,
      ),
    ]);
    const { identities, alerts, figures } = counted;
    return {
      asOf: now,
      filter,
      figures,
      weekAgo: history.weekAgo,
      byKind: countsOf(nhiKinds, identities.byKind),
      byProvider: countsOf(nhiProviders, identities.byProvider),
      byEnvironment: countsOf(nhiEnvironments, identities.byEnvironment),
      credentialAge: credentialAgeOf(identities),
      openAlertsByOwasp: presentCountsOf(alerts.byOwasp),
      riskLevels: riskLevelsOf(identities),
      // Snapshots hold the whole realm: under a filter the trend would compare different sets.
      trend: filtered
        ? []
        : [
            ...history.trend.map((point) => ({ ...point, riskScore: Number(point.riskScore) })),
            { day: today, openAlerts: openAlertsOf(figures), riskScore: figures.riskScore },
          ],
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
        const { figures } = await figuresIn(tx, realmId, {}, now);
        await writeSnapshot(tx, realmId, figures, now);
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
  return {
    ...(environment && environment.length < nhiEnvironments.length ? { environment } : {}),
    ...(provider && provider.length < nhiProviders.length ? { provider } : {}),
  };
}
