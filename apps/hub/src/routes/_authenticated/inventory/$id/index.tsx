import { createFileRoute, Link, useLoaderData, useRouter } from '@tanstack/react-router';
import { RiskCard } from '../../../../components/alerts/risk-card.tsx';
import { AuditTrail } from '../../../../components/inventory/audit-trail.tsx';
import { CredentialsCard } from '../../../../components/inventory/credentials-card.tsx';
import { DeleteRestore } from '../../../../components/inventory/delete-restore.tsx';
import { InventoryError, InventoryLoading } from '../../../../components/inventory/inventory-states.tsx';
import { kindLabel, providerLabel } from '../../../../components/inventory/labels.ts';
import { NhiFacts } from '../../../../components/inventory/nhi-facts.tsx';
import { PermissionsTable } from '../../../../components/inventory/permissions-table.tsx';
import { VersionHistory } from '../../../../components/inventory/version-history.tsx';
import { orNotFound } from '../../../../lib/not-found.ts';
import { getNhiPage } from '../../../../server/functions/nhi.functions.ts';

export const Route = createFileRoute('/_authenticated/inventory/$id/')({
  head: () => ({ meta: [{ title: 'Identity · NHI Hub' }] }),
  loader: ({ params }) => orNotFound(getNhiPage({ data: { id: params.id } })),
  pendingComponent: InventoryLoading,
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: NhiPage,
});

function NhiPage() {
  const { nhi, history, audit, risk } = Route.useLoaderData();
  const { members, can, asOf } = useLoaderData({ from: '/_authenticated/inventory' });
  const router = useRouter();
  const refresh = () => router.invalidate();

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
      <div className="detail-grid">
        <div className="stack">
          <NhiFacts nhi={nhi} />
          {risk ? <RiskCard risk={risk} /> : null}
          <PermissionsTable permissions={nhi.permissions} />
        </div>
        <div className="stack">
          <CredentialsCard
            nhiId={nhi.id}
            credentials={nhi.credentials}
            asOf={asOf}
            canWrite={can.write && !nhi.deletedAt}
            onChanged={refresh}
          />
          <VersionHistory history={history} members={members} />
          <AuditTrail audit={audit} members={members} />
        </div>
      </div>
    </div>
  );
}
