import { owaspLabelOf, owaspNhiIds } from '@nhi/alert/owasp';
import { alertsLinks, inventoryLinks } from '@nhi/dashboard/links';
import {
  ageBuckets,
  type DashboardOverview,
  defaultTrendDays,
  riskLevels,
  trendRanges,
} from '@nhi/dashboard/view';
import { nhiEnvironments, nhiKinds, nhiProviders } from '@nhi/nhi/vocabulary';
import { createFileRoute, Link, useRouter, useRouterState } from '@tanstack/react-router';
import { useCallback, useEffect, useState } from 'react';
import { BarChartCard, TrendCard } from '../../components/dashboard/chart-panel.tsx';
import { CombinedDashboard } from '../../components/dashboard/combined-dashboard.tsx';
import dashboardStylesheet from '../../components/dashboard/dashboard.css?url';
import {
  byCountDescending,
  categoricalTone,
  severityTone,
} from '../../components/dashboard/dashboard-chart-data.ts';
import { DashboardFilters } from '../../components/dashboard/dashboard-filters.tsx';
import { ageBucketLabels, labelOf, riskLevelLabels } from '../../components/dashboard/dashboard-labels.ts';
import {
  AlertActivity,
  FixFirst,
  RecentScans,
  TopOwners,
} from '../../components/dashboard/dashboard-lists.tsx';
import {
  type DashboardSearch,
  filterOf,
  parseDashboardSearch,
} from '../../components/dashboard/dashboard-search.ts';
import { Freshness, refreshSeconds } from '../../components/dashboard/freshness.tsx';
import { HeadlineFigures } from '../../components/dashboard/headline-figures.tsx';
import { OwaspPosture } from '../../components/dashboard/owasp-posture.tsx';
import { ScopeNote } from '../../components/shared/scope-note.tsx';
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
  head: () => ({
    meta: [{ title: 'Dashboard · NHI Hub' }],
    links: [{ rel: 'stylesheet', href: dashboardStylesheet }],
  }),
  loader: async ({ deps }) => {
    const fresh = countAnew;
    countAnew = false;
    if (deps.realms === 'all') {
      // Scanner sources belong to one realm each: the combined view filters by environment and provider.
      const combined = await dashboardCombinedOverview({ data: filterOf({ ...deps, source: undefined }) });
      return { overview: null, combined, loadedAt: Date.now() - combined.ageMs };
    }
    const overview = await dashboardOverview({ data: { ...filterOf(deps), fresh, trendDays: deps.days } });
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
        <ScopeNote />
        <p>
          <Link to="/reports/posture" data-testid="dashboard-posture-report">
            Posture report (printable, PDF)
          </Link>
        </p>
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
  return (
    <div className="stack wide dashboard" data-testid="dashboard" aria-busy={loading}>
      {header}

      <HeadlineFigures overview={overview} />

      <DashboardCharts overview={overview} />

      <TrendsSection overview={overview} search={search} />

      <FixFirst overview={overview} />

      <OwaspPosture overview={overview} />

      <div className="dashboard-grid">
        <TopOwners overview={overview} />
        <RecentScans overview={overview} />
        <AlertActivity overview={overview} />
      </div>
    </div>
  );
}

/** The distributions: categories largest first, scales (credential age, risk level) in their order. */
function DashboardCharts({ overview }: { overview: DashboardOverview }) {
  const filter = overview.filter;
  return (
    <div className="dashboard-grid">
      <BarChartCard
        id="by-kind"
        title="NHIs by kind"
        bars={byCountDescending(
          overview.byKind
            .filter((item) => item.count > 0)
            .map((item) => ({
              key: item.key,
              label: labelOf(item.key),
              count: item.count,
              link: inventoryLinks.kind(filter, item.key),
              tone: categoricalTone(nhiKinds, item.key),
            })),
        )}
      />
      <BarChartCard
        id="by-provider"
        title="NHIs by provider"
        bars={byCountDescending(
          overview.byProvider
            .filter((item) => item.count > 0)
            .map((item) => ({
              key: item.key,
              label: item.key,
              count: item.count,
              link: inventoryLinks.provider(filter, item.key),
              tone: categoricalTone(nhiProviders, item.key),
            })),
        )}
      />
      <BarChartCard
        id="by-environment"
        title="NHIs by environment"
        bars={byCountDescending(
          overview.byEnvironment.map((item) => ({
            key: item.key,
            label: labelOf(item.key),
            count: item.count,
            link: inventoryLinks.environment(filter, item.key),
            tone: categoricalTone(nhiEnvironments, item.key),
          })),
        )}
      />
      <BarChartCard
        id="by-owasp"
        title="Open alerts by OWASP NHI risk"
        bars={byCountDescending(
          overview.openAlertsByOwasp.map((item) => ({
            key: item.key,
            label: owaspLabelOf(item.key),
            count: item.count,
            link: alertsLinks.owasp(filter, item.key),
            tone: categoricalTone(owaspNhiIds, item.key),
          })),
        )}
      />
      <BarChartCard
        id="credential-age"
        title="Credential age of active NHIs (oldest active credential)"
        bars={ageBuckets.map((bucket) => ({
          key: bucket,
          label: ageBucketLabels[bucket],
          count: overview.credentialAge.find((item) => item.key === bucket)?.count ?? 0,
          link: inventoryLinks.credentialAge(filter, bucket),
          tone: categoricalTone(ageBuckets, bucket),
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
          tone: severityTone(level),
        }))}
      />
    </div>
  );
}

/** Open alerts and risk score over the chosen range (7, 30 or 90 days, kept in the URL). */
function TrendsSection({ overview, search }: { overview: DashboardOverview; search: DashboardSearch }) {
  const days = overview.trendDays;
  const range = (
    <nav className="dash-range" aria-label="Trend range" data-testid="trend-range">
      {trendRanges.map((range) => (
        <Link
          key={range}
          to="/"
          search={{ ...search, days: range === defaultTrendDays ? undefined : range }}
          aria-current={range === days ? 'true' : undefined}
          className="dash-range-option"
          data-testid={`trend-range-${range}`}
        >
          {range} days
        </Link>
      ))}
    </nav>
  );
  const heading = (
    <div className="dash-section-heading">
      <h2 id="trends-title">Trends</h2>
      {range}
    </div>
  );
  if (overview.trend === null) {
    return (
      <section className="card" aria-labelledby="trends-title" data-testid="trend-withheld">
        <h2 id="trends-title">Trends</h2>
        <p className="muted">
          {overview.trendWithheld}: your dashboard counts only your teams’ identities, so it shows no trend or
          weekly change.
        </p>
      </section>
    );
  }
  const trend = overview.trend;
  if (trend.length === 0) {
    return (
      <section className="card" aria-labelledby="trends-title" data-testid="trend-filtered">
        {heading}
        <p className="muted">
          {overview.filter.source
            ? 'Daily snapshots keep their figures per environment and provider; a scanner source cuts across them, so a page filtered by source has no trend or weekly change. Clear the source filter to see them.'
            : `Trends and weekly changes under a filter come from the daily snapshots that keep their figures per environment and provider; none of the last ${days} days has them yet, they fill in one day at a time. Clear the filters to see the trend of the whole realm.`}
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="trends-title" className="stack" data-testid="trends">
      {heading}
      <div className="dashboard-grid">
        <TrendCard
          id="trend-alerts"
          title={`Open alerts, last ${days} days`}
          series={{
            label: 'Open alerts',
            unit: '',
            points: trend.map((point) => ({
              day: point.day,
              value: point.openAlerts,
              estimated: point.estimated,
            })),
            tone: 'cat-5',
          }}
        />
        <TrendCard
          id="trend-risk"
          title={`Realm risk score, last ${days} days`}
          series={{
            label: 'Risk score',
            unit: '',
            // Past risk scores cannot be estimated: measured days only.
            points: trend.flatMap((point) =>
              point.riskScore === null ? [] : [{ day: point.day, value: point.riskScore }],
            ),
            tone: 'cat-0',
          }}
        />
        <TrendCard
          id="trend-identities"
          title={`NHIs known, last ${days} days`}
          series={{
            label: 'NHIs',
            unit: '',
            points: trend.flatMap((point) =>
              point.nhiTotal === undefined
                ? []
                : [{ day: point.day, value: point.nhiTotal, estimated: point.estimated }],
            ),
            tone: 'cat-1',
          }}
        />
      </div>
    </section>
  );
}
