import { createFileRoute, Link, useLoaderData, useNavigate, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { AlertActions } from '../../../components/alerts/alert-actions.tsx';
import { SeverityBadge, StateBadge } from '../../../components/alerts/alert-badges.tsx';
import { AlertPaging } from '../../../components/alerts/alert-paging.tsx';
import { FilterSelect } from '../../../components/alerts/filter-select.tsx';
import { errorMessageOf } from '../../../lib/server-fn-error.ts';
import { evaluateAlerts, listAlerts } from '../../../server/functions/alerts.functions.ts';

const states = ['open', 'acknowledged', 'suppressed', 'resolved'] as const;
const severities = ['critical', 'high', 'medium', 'low'] as const;
const owaspIds = ['NHI1', 'NHI2', 'NHI3', 'NHI4', 'NHI5', 'NHI6', 'NHI7', 'NHI8', 'NHI9', 'NHI10'] as const;
const environments = ['production', 'staging', 'development', 'unknown'] as const;
const providers = ['aws', 'gcp', 'azure', 'github', 'kubernetes', 'slack', 'okta', 'other'] as const;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The page's URL: the filters the dashboard links to as well (see @nhi/dashboard's links). */
type Search = {
  state?: (typeof states)[number];
  severity?: (typeof severities)[number];
  owasp?: (typeof owaspIds)[number];
  owner?: string;
  environment?: (typeof environments)[number][];
  provider?: (typeof providers)[number][];
  /** Keyset paging: the page after this alert, or the page before it. */
  after?: string;
  before?: string;
  /** Scanner source ids: alerts about identities they report. */
  source?: string[];
};

const pageSize = 50;
const idOf = (value: unknown) => (typeof value === 'string' && uuid.test(value) ? value : undefined);

function listOf<T extends string>(value: unknown, allowed: readonly T[]): T[] | undefined {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is T => allowed.includes(v as T));
  return values.length ? values : undefined;
}

function sourcesOf(value: unknown): string[] | undefined {
  const ids = (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && uuid.test(v),
  );
  return ids.length ? ids.slice(0, 50) : undefined;
}

export const Route = createFileRoute('/_authenticated/alerts/')({
  head: () => ({ meta: [{ title: 'Alerts · NHI Hub' }] }),
  validateSearch: (search: Record<string, unknown>): Search => ({
    state: states.find((s) => s === search.state),
    severity: severities.find((s) => s === search.severity),
    owasp: owaspIds.find((s) => s === search.owasp),
    owner: idOf(search.owner),
    environment: listOf(search.environment, environments),
    provider: listOf(search.provider, providers),
    after: idOf(search.after),
    before: idOf(search.before),
    source: sourcesOf(search.source),
  }),
  loaderDeps: ({ search }) => search,
  loader: ({ deps }) =>
    listAlerts({
      data: {
        states: deps.state ? [deps.state] : ['open', 'acknowledged', 'suppressed'],
        severities: deps.severity ? [deps.severity] : undefined,
        owaspId: deps.owasp,
        ownerUserId: deps.owner,
        environments: deps.environment,
        providers: deps.provider,
        cursor: deps.after,
        before: deps.before,
        limit: pageSize,
        sources: deps.source,
      },
    }),
  component: AlertsPage,
});

function AlertsPage() {
  const page = Route.useLoaderData();
  const { can, asOf } = useLoaderData({ from: '/_authenticated/alerts' });
  const search = Route.useSearch();
  const navigate = useNavigate({ from: '/alerts/' });
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const refresh = async () => {
    setSelected([]);
    await router.invalidate();
  };

  async function evaluate() {
    try {
      const result = await evaluateAlerts();
      setMessage(
        `Evaluated: ${result.opened} opened, ${result.reopened} reopened, ${result.resolved} resolved`,
      );
      await refresh();
    } catch (failure) {
      setMessage(errorMessageOf(failure));
    }
  }

  // A new filter starts again from the first page.
  const filterBy = (change: Partial<Search>) =>
    navigate({ search: { ...search, ...change, after: undefined, before: undefined } });
  const pageTo = (cursor: { after?: string; before?: string }) => {
    setSelected([]);
    navigate({ search: { ...search, after: undefined, before: undefined, ...cursor } });
  };

  const toggle = (id: string) =>
    setSelected((current) => (current.includes(id) ? current.filter((x) => x !== id) : [...current, id]));

  return (
    <div className="stack wide" data-testid="alerts-page">
      <header className="page-header">
        <h1>Alerts</h1>
        <p className="muted">
          Risks found by the rules of the OWASP NHI Top 10. <Link to="/alerts/rules">Rules</Link>
          {can.configure ? (
            <>
              {' · '}
              <Link to="/alerts/channels">Channels and delivery log</Link>
            </>
          ) : null}
        </p>
      </header>
      <div className="filter-bar">
        <FilterSelect
          label="State"
          testId="alert-state-filter"
          value={search.state}
          options={states}
          emptyLabel="Unresolved"
          onChange={(state) => filterBy({ state })}
        />
        <FilterSelect
          label="Severity"
          testId="alert-severity-filter"
          value={search.severity}
          options={severities}
          onChange={(severity) => filterBy({ severity })}
        />
        <FilterSelect
          label="OWASP"
          testId="alert-owasp-filter"
          value={search.owasp}
          options={owaspIds}
          onChange={(owasp) => filterBy({ owasp })}
        />
        {search.owner || search.environment || search.provider || search.source ? (
          <p className="muted" data-testid="alert-identity-filter">
            Identities:{' '}
            {[
              search.owner ? 'of one owner' : null,
              search.environment ? `in ${search.environment.join(', ')}` : null,
              search.provider ? `from ${search.provider.join(', ')}` : null,
              search.source
                ? `reported by ${search.source.length} scanner source${search.source.length > 1 ? 's' : ''}`
                : null,
            ]
              .filter(Boolean)
              .join(', ')}{' '}
            <Link
              to="/alerts"
              search={{ state: search.state, severity: search.severity, owasp: search.owasp }}
              data-testid="alert-identity-filter-clear"
            >
              clear
            </Link>
          </p>
        ) : null}
        {can.configure ? (
          <button type="button" className="button small" data-testid="evaluate-alerts" onClick={evaluate}>
            Evaluate now
          </button>
        ) : null}
      </div>
      {message ? (
        <p className="muted" role="status" data-testid="alerts-message">
          {message}
        </p>
      ) : null}
      {can.ack ? <AlertActions ids={selected} asOf={asOf} onDone={refresh} /> : null}
      <div className="table-scroll">
        <table className="table" data-testid="alerts-table" data-count={page.items.length}>
          <thead>
            <tr>
              <th aria-label="Select" />
              <th>Severity</th>
              <th>Alert</th>
              <th>OWASP</th>
              <th>NHI</th>
              <th>Owner</th>
              <th>State</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {page.items.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted" data-testid="alerts-empty">
                  No alerts match.
                </td>
              </tr>
            ) : null}
            {page.items.map((alert) => (
              <tr key={alert.id} data-testid="alert-row" data-rule={alert.ruleId} data-alert-id={alert.id}>
                <td className="select-cell">
                  <input
                    type="checkbox"
                    aria-label={`Select ${alert.title}`}
                    checked={selected.includes(alert.id)}
                    onChange={() => toggle(alert.id)}
                  />
                </td>
                <td>
                  <SeverityBadge severity={alert.severity} />
                </td>
                <td>
                  <Link to="/alerts/$id" params={{ id: alert.id }}>
                    {alert.title}
                  </Link>
                </td>
                <td>{alert.owaspId}</td>
                <td>
                  {alert.nhiId && alert.nhi ? (
                    <Link to="/inventory/$id" params={{ id: alert.nhiId }}>
                      {alert.nhi.name}
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>{alert.nhi?.ownerEmail ?? <span className="badge badge-unowned">none</span>}</td>
                <td>
                  <StateBadge state={alert.state} />
                </td>
                <td className="nowrap">{alert.stateChangedAt.toISOString().slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <AlertPaging
        shown={page.items.length}
        total={page.total}
        onPrevious={
          page.previousCursor ? () => pageTo({ before: page.previousCursor ?? undefined }) : undefined
        }
        onNext={page.nextCursor ? () => pageTo({ after: page.nextCursor ?? undefined }) : undefined}
      />
    </div>
  );
}
