import { alertsLinks, inventoryLinks } from '@nhi/dashboard/links';
import { ageBuckets, riskLevels } from '@nhi/dashboard/view';
import { createFileRoute, Link, useRouter, useRouterState } from '@tanstack/react-router';
import { useCallback, useEffect, useState } from 'react';
import { BarChartCard, TrendCard } from '../../components/dashboard/chart-panel.tsx';
import { CombinedDashboard } from '../../components/dashboard/combined-dashboard.tsx';
import { DashboardFilters } from '../../components/dashboard/dashboard-filters.tsx';
import { ageBucketLabels, labelOf, riskLevelLabels } from '../../components/dashboard/dashboard-labels.ts';
import {
  AlertActivity,
  FixFirst,
  RecentScans,
  TopOwners,
} from '../../components/dashboard/dashboard-lists.tsx';
import { filterOf, parseDashboardSearch } from '../../components/dashboard/dashboard-search.ts';
import { Freshness, refreshSeconds } from '../../components/dashboard/freshness.tsx';
import { HeadlineFigures } from '../../components/dashboard/headline-figures.tsx';
import { dashboardCombinedOverview, dashboardOverview } from '../../server/functions/dashboard.functions.ts';

/**
 * Set by the refresh button for the next load: the user asked for figures counted now, not for
 * those of the last seconds that an unchanged realm is otherwise served.
 */
let countAnew = false;

/** The landing page after login: where the realm stands and what to fix first. */
export const Route = createFileRoute('/_authenticated/')({
  validateSearch: parseDashboardSearch,
  loaderDeps: ({ search }) => search,
  head: () => ({ meta: [{ title: 'Dashboard · NHI Hub' }] }),
  loader: async ({ deps }) => {
    const fresh = countAnew;
    countAnew = false;
    if (deps.realms === 'all') {
      // Scanner sources belong to one realm each: the combined view filters by environment and provider.
      const combined = await dashboardCombinedOverview({ data: filterOf({ ...deps, source: undefined }) });
      return { overview: null, combined, loadedAt: Date.now() - combined.ageMs };
    }
    const overview = await dashboardOverview({ data: { ...filterOf(deps), fresh } });
    // When the figures were counted, on this browser's clock: "updated N s ago" tells their real age.
    return { overview, combined: null, loadedAt: Date.now() - overview.ageMs };
  },
  // A refresh or a new filter keeps the page on screen until the new figures arrive: no flicker.
  pendingMs: Number.POSITIVE_INFINITY,
  // Not kept once the user leaves: coming back after acting elsewhere (an alert acknowledged, an
  // identity edited) waits for fresh figures instead of showing the old ones first.
  gcTime: 0,
  component: DashboardPage,
});

function DashboardPage() {
  const { overview, combined, loadedAt } = Route.useLoaderData();
  const { session } = Route.useRouteContext();
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  const router = useRouter();
  const loading = useRouterState({ select: (state) => state.isLoading });
  const [refreshing, setRefreshing] = useState(false);
  const refresh = useCallback(async () => {
    setRefreshing(true);
    try {
      await router.invalidate();
    } finally {
      setRefreshing(false);
    }
  }, [router]);

  // Every 30 s, and when the user comes back to the tab: the figures stay fresh without a reload.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, refreshSeconds * 1000);
    const onVisible = () => {
      if (document.visibilityState === 'visible' && Date.now() - loadedAt > refreshSeconds * 1000)
        void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh, loadedAt]);

  const header = (
    <header className="page-header dashboard-header">
      <div>
        <h1>Dashboard</h1>
        <p className="muted">Where the realm stands and what to fix first.</p>
        {session.realms.length > 1 ? (
          <p>
            {combined ? (
              <Link to="/" search={{ ...search, realms: undefined }} data-testid="dashboard-this-realm">
                This realm only
              </Link>
            ) : (
              <Link to="/" search={{ ...search, realms: 'all' }} data-testid="dashboard-all-realms">
                All my realms ({session.realms.length})
              </Link>
            )}
          </p>
        ) : null}
      </div>
      <div className="dashboard-tools">
        <DashboardFilters
          search={search}
          sources={overview?.sources ?? []}
          onChange={(next) => navigate({ search: next })}
        />
        <Freshness
          loadedAt={loadedAt}
          refreshing={refreshing || loading}
          onRefresh={() => {
            countAnew = true;
            void refresh();
          }}
        />
      </div>
    </header>
  );
  if (!overview) {
    return (
      <div className="stack wide dashboard" data-testid="dashboard" aria-busy={loading}>
        {header}
        {combined ? <CombinedDashboard combined={combined} /> : null}
      </div>
    );
  }
  const filter = overview.filter;
  return (
    <div className="stack wide dashboard" data-testid="dashboard" aria-busy={loading}>
      {header}

      <HeadlineFigures overview={overview} />

      <div className="dashboard-grid">
        <BarChartCard
          id="by-kind"
          title="NHIs by kind"
          bars={overview.byKind
            .filter((item) => item.count > 0)
            .map((item) => ({
              key: item.key,
              label: labelOf(item.key),
              count: item.count,
              link: inventoryLinks.kind(filter, item.key),
            }))}
        />
        <BarChartCard
          id="by-provider"
          title="NHIs by provider"
          bars={overview.byProvider
            .filter((item) => item.count > 0)
            .map((item) => ({
              key: item.key,
              label: item.key,
              count: item.count,
              link: inventoryLinks.provider(filter, item.key),
            }))}
        />
        <BarChartCard
          id="by-environment"
          title="NHIs by environment"
          bars={overview.byEnvironment.map((item) => ({
            key: item.key,
            label: labelOf(item.key),
            count: item.count,
            link: inventoryLinks.environment(filter, item.key),
          }))}
        />
        <BarChartCard
          id="credential-age"
          title="Credential age of active NHIs (oldest active credential)"
          bars={ageBuckets.map((bucket) => ({
            key: bucket,
            label: ageBucketLabels[bucket],
            count: overview.credentialAge.find((item) => item.key === bucket)?.count ?? 0,
            link: inventoryLinks.credentialAge(filter, bucket),
          }))}
        />
        <BarChartCard
          id="by-owasp"
          title="Open alerts by OWASP NHI risk"
          bars={overview.openAlertsByOwasp.map((item) => ({
            key: item.key,
            label: item.key,
            count: item.count,
            link: alertsLinks.owasp(filter, item.key),
          }))}
        />
        <BarChartCard
          id="risk-levels"
          title="Risk level of active NHIs"
          bars={riskLevels.map((level) => ({
            key: level,
            label: riskLevelLabels[level],
            count: overview.riskLevels.find((item) => item.key === level)?.count ?? 0,
            link: inventoryLinks.riskLevel(filter, level),
          }))}
        />
        {overview.trend.length > 0 ? (
          <>
            <TrendCard
              id="trend-alerts"
              title="Open alerts, last 30 days"
              series={{
                label: 'Open alerts',
                unit: '',
                points: overview.trend.map((point) => ({ day: point.day, value: point.openAlerts })),
              }}
            />
            <TrendCard
              id="trend-risk"
              title="Realm risk score, last 30 days"
              series={{
                label: 'Risk score',
                unit: '',
                points: overview.trend.map((point) => ({ day: point.day, value: point.riskScore })),
              }}
            />
          </>
        ) : (
          <section className="card chart-card" data-testid="trend-filtered">
            <h2>Trends</h2>
            <p className="muted">
              {filter.source
                ? 'Daily snapshots keep their figures per environment and provider; a scanner source cuts across them, so a page filtered by source has no trend or weekly change. Clear the source filter to see them.'
                : 'Trends and weekly changes under a filter come from the daily snapshots that keep their figures per environment and provider; none of the last 30 days has them yet, they fill in one day at a time. Clear the filters to see the trend of the whole realm.'}
            </p>
          </section>
        )}
      </div>

      <div className="dashboard-grid">
        <FixFirst overview={overview} />
        <TopOwners overview={overview} />
        <RecentScans overview={overview} />
        <AlertActivity overview={overview} />
      </div>
    </div>
  );
}
