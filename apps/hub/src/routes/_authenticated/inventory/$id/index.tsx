import * as Tabs from '@radix-ui/react-tabs';
import { createFileRoute, Link, useLoaderData, useRouter } from '@tanstack/react-router';
import { RiskCard } from '../../../../components/alerts/risk-card.tsx';
import { AccessTab } from '../../../../components/inventory/access-graph/access-tab.tsx';
import { AuditTrail } from '../../../../components/inventory/audit-trail.tsx';
import { CredentialsCard } from '../../../../components/inventory/credentials-card.tsx';
import { DeleteRestore } from '../../../../components/inventory/delete-restore.tsx';
import { InventoryError, InventoryLoading } from '../../../../components/inventory/inventory-states.tsx';
import { kindLabel, providerLabel } from '../../../../components/inventory/labels.ts';
import { NhiAlertsTab } from '../../../../components/inventory/nhi-alerts-tab.tsx';
import { NhiFacts } from '../../../../components/inventory/nhi-facts.tsx';
import { type NhiTab, nhiPageSearchOf } from '../../../../components/inventory/nhi-page-search.ts';
import { NhiTimeline } from '../../../../components/inventory/nhi-timeline.tsx';
import { OwnerInPlace } from '../../../../components/inventory/owner-in-place.tsx';
import { OwnerSuggestionNotice } from '../../../../components/inventory/owner-suggestions.tsx';
import { PermissionsTable } from '../../../../components/inventory/permissions-table.tsx';
import { RemediationPanel } from '../../../../components/inventory/remediation-panel.tsx';
import { timelineOf } from '../../../../components/inventory/timeline-entries.ts';
import { VersionHistory } from '../../../../components/inventory/version-history.tsx';
import { orNotFound } from '../../../../lib/not-found.ts';
import { getNhiPage } from '../../../../server/functions/nhi.functions.ts';

export const Route = createFileRoute('/_authenticated/inventory/$id/')({
  head: () => ({ meta: [{ title: 'Identity · NHI Hub' }] }),
  validateSearch: nhiPageSearchOf,
  loader: ({ params }) => orNotFound(getNhiPage({ data: { id: params.id } })),
  pendingComponent: InventoryLoading,
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: NhiPage,
});

function NhiPage() {
  const page = Route.useLoaderData();
  const { nhi, history, audit, risk, alerts, scans } = page;
  const { members, groups, can, asOf } = useLoaderData({ from: '/_authenticated/inventory' });
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  const router = useRouter();
  const refresh = () => router.invalidate();
  // The access graph is read from the scanner's records: shown to those who may read sources (scans).
  const hidden = (search.tab === 'alerts' && !alerts) || (search.tab === 'access' && !scans);
  const tab: NhiTab = hidden ? 'overview' : (search.tab ?? 'overview');
  const openAlerts = alerts?.alerts.filter((alert) => alert.state === 'open').length ?? 0;
  const selectTab = (value: string) =>
    void navigate({
      search: value === 'overview' ? {} : { tab: value as NhiTab },
      replace: true,
      resetScroll: false,
    });

  return (
    <div className="stack wide" data-testid="nhi-page" data-nhi-id={nhi.id} data-version={nhi.version}>
      <header className="page-header nhi-header">
        <div>
          <Link to="/inventory" className="back-link">
            ← Inventory
          </Link>
          <h1 data-testid="nhi-name">{nhi.name}</h1>
          <p className="muted">
            {kindLabel[nhi.kind]} · {providerLabel[nhi.provider]}
            {nhi.owner ? null : (
              <>
                {' · '}
                <span className="badge badge-unowned">Unowned</span>
              </>
            )}
          </p>
        </div>
        <div className="inventory-actions">
          {can.write && !nhi.deletedAt ? (
            <Link
              to="/inventory/$id/edit"
              params={{ id: nhi.id }}
              className="button small"
              data-testid="edit-nhi"
            >
              Edit
            </Link>
          ) : null}
          {can.delete ? <DeleteRestore nhi={nhi} onChanged={refresh} /> : null}
        </div>
      </header>
      {nhi.deletedAt ? (
        <p className="warning" role="status" data-testid="nhi-deleted">
          Deleted {nhi.deletedAt.toISOString().slice(0, 10)}: hidden from the inventory until restored.
        </p>
      ) : null}
      {nhi.owner || nhi.ownerGroup || nhi.deletedAt ? null : (
        <OwnerSuggestionNotice
          nhiId={nhi.id}
          version={nhi.version}
          canDecide={can.decideOwners}
          onDecided={refresh}
        />
      )}
      <Tabs.Root value={tab} onValueChange={selectTab} className="nhi-tabs" data-testid="nhi-tabs">
        <Tabs.List className="nhi-tab-list" aria-label="Identity sections">
          <Tabs.Trigger value="overview" className="nhi-tab" data-testid="nhi-tab-overview">
            Overview
          </Tabs.Trigger>
          {alerts ? (
            <Tabs.Trigger value="alerts" className="nhi-tab" data-testid="nhi-tab-alerts">
              Alerts
              {openAlerts > 0 ? <span className="nhi-tab-count">{openAlerts} open</span> : null}
            </Tabs.Trigger>
          ) : null}
          <Tabs.Trigger value="timeline" className="nhi-tab" data-testid="nhi-tab-timeline">
            Timeline
          </Tabs.Trigger>
          {scans ? (
            <Tabs.Trigger value="access" className="nhi-tab" data-testid="nhi-tab-access">
              Access
            </Tabs.Trigger>
          ) : null}
        </Tabs.List>
        <Tabs.Content value="overview" className="stack nhi-tab-panel">
          <CredentialsCard
            nhiId={nhi.id}
            credentials={nhi.credentials}
            asOf={asOf}
            canWrite={can.write && !nhi.deletedAt}
            onChanged={refresh}
          />
          {page.canRemediate && !nhi.deletedAt ? (
            <RemediationPanel nhiId={nhi.id} onChanged={refresh} />
          ) : null}
          <div className="detail-grid">
            <div className="stack">
              <NhiFacts
                nhi={nhi}
                scans={scans}
                ownerControl={
                  can.write && !nhi.deletedAt ? (
                    <OwnerInPlace nhi={nhi} members={members} groups={groups} onSaved={refresh} />
                  ) : undefined
                }
              />
              {risk ? <RiskCard risk={risk} nhiId={alerts ? nhi.id : undefined} /> : null}
              <PermissionsTable permissions={nhi.permissions} />
            </div>
            <div className="stack">
              <VersionHistory
                history={history}
                members={members}
                groups={groups}
                observations={scans?.observations}
              />
              <AuditTrail audit={audit} members={members} />
            </div>
          </div>
        </Tabs.Content>
        {alerts ? (
          <Tabs.Content value="alerts" className="stack nhi-tab-panel">
            <NhiAlertsTab
              nhiId={nhi.id}
              alerts={alerts.alerts}
              truncated={alerts.truncated}
              ruleId={search.rule}
              canAck={page.canTriage}
              asOf={asOf}
              onChanged={refresh}
            />
          </Tabs.Content>
        ) : null}
        <Tabs.Content value="timeline" className="stack nhi-tab-panel">
          <NhiTimeline
            entries={timelineOf({
              history,
              audit,
              observations: scans?.observations ?? [],
              alertEvents: alerts?.events ?? [],
            })}
            members={members}
          />
        </Tabs.Content>
        {scans ? (
          <Tabs.Content value="access" className="stack nhi-tab-panel">
            {/* Asked for when the tab opens, not with the page: the page does not wait for it. */}
            {tab === 'access' ? <AccessTab nhiId={nhi.id} /> : null}
          </Tabs.Content>
        ) : null}
      </Tabs.Root>
    </div>
  );
}
