import { createFileRoute, Link, useLoaderData, useNavigate, useRouter } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { AlertActions, type AlertActionsHandle } from '../../../components/alerts/alert-actions.tsx';
import { SeverityBadge, StateBadge } from '../../../components/alerts/alert-badges.tsx';
import { AlertExportLinks } from '../../../components/alerts/alert-export-links.tsx';
import { AlertFilterBar } from '../../../components/alerts/alert-filter-bar.tsx';
import { AlertGroupsTable } from '../../../components/alerts/alert-groups-table.tsx';
import { AlertPaging } from '../../../components/alerts/alert-paging.tsx';
import {
  type AlertSearch,
  alertFilterOf,
  firstAlertPage,
  validateAlertSearch,
} from '../../../components/alerts/alert-search.ts';
import { BulkTicketAction } from '../../../components/alerts/alert-tickets.tsx';
import triageStyles from '../../../components/alerts/alert-triage.css?url';
import { ShortcutHelp } from '../../../components/alerts/shortcut-help.tsx';
import { type TriageKey, useTriageKeys } from '../../../components/alerts/use-triage-keys.ts';
import savedViewsStyles from '../../../components/saved-views/saved-views.css?url';
import { SavedViewsMenu } from '../../../components/saved-views/saved-views-menu.tsx';
import { ScopeNote } from '../../../components/shared/scope-note.tsx';
import { errorMessageOf } from '../../../lib/server-fn-error.ts';
import {
  alertFilterOptions,
  evaluateAlerts,
  listAlertGroups,
  listAlerts,
} from '../../../server/functions/alerts.functions.ts';

const pageSize = 50;

export const Route = createFileRoute('/_authenticated/alerts/')({
  head: () => ({
    meta: [{ title: 'Alerts · NHI Hub' }],
    links: [
      { rel: 'stylesheet', href: triageStyles },
      { rel: 'stylesheet', href: savedViewsStyles },
    ],
  }),
  validateSearch: validateAlertSearch,
  loaderDeps: ({ search }) => search,
  loader: async ({ deps }) => {
    const filter = alertFilterOf(deps);
    const [page, groups, choices] = await Promise.all([
      deps.group
        ? null
        : listAlerts({
            data: {
              ...filter,
              sort: deps.sort,
              order: deps.order,
              cursor: deps.after,
              before: deps.before,
              limit: pageSize,
            },
          }),
      deps.group ? listAlertGroups({ data: { ...filter, by: deps.group } }) : null,
      alertFilterOptions(),
    ]);
    return { page, groups, choices };
  },
  component: AlertsPage,
});

function AlertsPage() {
  const { page, groups, choices } = Route.useLoaderData();
  const { can, asOf } = useLoaderData({ from: '/_authenticated/alerts' });
  const search = Route.useSearch();
  const navigate = useNavigate({ from: '/alerts/' });
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [cursor, setCursor] = useState(-1);
  const [helpOpen, setHelpOpen] = useState(false);
  const actions = useRef<AlertActionsHandle>(null);
  const rows = useRef(new Map<string, HTMLTableRowElement>());
  const items = page?.items ?? [];
  const current = cursor >= 0 ? items[cursor] : undefined;

  // A new page or fewer rows (an alert left the queue) keeps the selection on a row that exists.
  useEffect(() => {
    if (cursor >= items.length) setCursor(items.length - 1);
  }, [cursor, items.length]);

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

  /** A search, or a change applied to the search of the moment the navigation runs. */
  const show = (next: AlertSearch | ((current: AlertSearch) => AlertSearch)) => {
    setSelected([]);
    setCursor(-1);
    navigate({ search: typeof next === 'function' ? (current) => next(current as AlertSearch) : next });
  };
  const pageTo = (at: { after?: string; before?: string }) => show({ ...firstAlertPage(search), ...at });

  const toggle = (id: string) =>
    setSelected((now) => (now.includes(id) ? now.filter((x) => x !== id) : [...now, id]));

  const moveTo = (index: number) => {
    const bounded = Math.max(0, Math.min(items.length - 1, index));
    setCursor(bounded);
    const id = items[bounded]?.id;
    const row = id ? rows.current.get(id) : undefined;
    row?.focus();
    row?.scrollIntoView({ block: 'nearest' });
  };

  // Ticked alerts when there are any, else the one the keyboard selection is on.
  const targets = () => (selected.length > 0 ? selected : current ? [current.id] : []);

  useTriageKeys((key: TriageKey) => {
    if (key === 'help') return setHelpOpen((open) => !open);
    if (key === 'close') return setHelpOpen(false);
    if (items.length === 0) return;
    if (key === 'next') return moveTo(cursor + 1);
    if (key === 'previous') return moveTo(cursor < 0 ? 0 : cursor - 1);
    if (!current) return;
    if (key === 'open') return void navigate({ to: '/alerts/$id', params: { id: current.id } });
    if (key === 'toggle') return toggle(current.id);
    if (!can.ack) return setMessage('Your role can see alerts but not change them.');
    if (key === 'acknowledge') actions.current?.acknowledge(targets());
    if (key === 'resolve') actions.current?.resolve(targets());
    if (key === 'suppress') actions.current?.suppress(targets());
  }, !groups);

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
          {' · '}
          <button
            type="button"
            className="link-button"
            data-testid="shortcut-help-toggle"
            aria-expanded={helpOpen}
            onClick={() => setHelpOpen((open) => !open)}
          >
            Keyboard shortcuts <kbd>?</kbd>
          </button>
          {' · '}
          <AlertExportLinks search={search} />
        </p>
        <ScopeNote />
      </header>
      {helpOpen ? <ShortcutHelp onClose={() => setHelpOpen(false)} /> : null}
      <SavedViewsMenu
        page="alerts"
        search={firstAlertPage(search)}
        onApply={(next) => show(validateAlertSearch(next))}
      />
      <AlertFilterBar search={search} choices={choices} onChange={show} />
      {can.configure ? (
        <div>
          <button type="button" className="button small" data-testid="evaluate-alerts" onClick={evaluate}>
            Evaluate now
          </button>
        </div>
      ) : null}
      {message ? (
        <p className="muted" role="status" data-testid="alerts-message">
          {message}
        </p>
      ) : null}
      {groups ? (
        <AlertGroupsTable
          by={groups.by}
          groups={groups.groups}
          truncated={groups.truncated}
          search={search}
        />
      ) : (
        <>
          {can.ack ? <AlertActions ref={actions} ids={selected} asOf={asOf} onDone={refresh} /> : null}
          {can.ack && selected.length > 0 ? <BulkTicketAction ids={selected} onDone={refresh} /> : null}
          <div className="table-scroll">
            <table
              className="table triage-table"
              data-testid="alerts-table"
              data-count={items.length}
              aria-label="Alerts; j and k move the selection, ? lists the shortcuts"
            >
              <thead>
                <tr>
                  <th aria-label="Select" />
                  <th>Severity</th>
                  <th>Alert</th>
                  <th>OWASP</th>
                  <th>NHI</th>
                  <th className="numeric">Risk</th>
                  <th>Owner</th>
                  <th>State</th>
                  <th>Since</th>
                </tr>
              </thead>
              <tbody>
                {items.length === 0 ? (
                  <tr>
                    <td colSpan={9} className="muted" data-testid="alerts-empty">
                      No alerts match.
                    </td>
                  </tr>
                ) : null}
                {items.map((alert, index) => (
                  <tr
                    key={alert.id}
                    ref={(row) => {
                      if (row) rows.current.set(alert.id, row);
                      else rows.current.delete(alert.id);
                    }}
                    tabIndex={-1}
                    aria-current={index === cursor ? 'true' : undefined}
                    className={index === cursor ? 'is-cursor' : undefined}
                    data-testid="alert-row"
                    data-rule={alert.ruleId}
                    data-severity={alert.severity}
                    data-alert-id={alert.id}
                    data-nhi-name={alert.nhi?.name}
                    onFocus={() => setCursor(index)}
                  >
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
                    <td className="numeric" data-testid="alert-risk">
                      {alert.riskScore}
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
            shown={items.length}
            total={page?.total ?? 0}
            onPrevious={
              page?.previousCursor ? () => pageTo({ before: page.previousCursor ?? undefined }) : undefined
            }
            onNext={page?.nextCursor ? () => pageTo({ after: page.nextCursor ?? undefined }) : undefined}
          />
        </>
      )}
    </div>
  );
}
