import { createFileRoute, Link, useLoaderData } from '@tanstack/react-router';
import { EditNhiForm } from '../../../../components/inventory/edit-nhi-form.tsx';
import { InventoryError, InventoryLoading } from '../../../../components/inventory/inventory-states.tsx';
import { orNotFound } from '../../../../lib/not-found.ts';
import { getNhi } from '../../../../server/functions/nhi.functions.ts';

export const Route = createFileRoute('/_authenticated/inventory/$id/edit')({
  head: () => ({ meta: [{ title: 'Edit identity · NHI Hub' }] }),
  loader: ({ params }) => orNotFound(getNhi({ data: { id: params.id } })),
  pendingComponent: InventoryLoading,
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: EditNhiPage,
});

function EditNhiPage() {
  const nhi = Route.useLoaderData();
  const { members, groups, can } = useLoaderData({ from: '/_authenticated/inventory' });
  return (
    <div className="stack">
      <header className="page-header">
        <Link to="/inventory/$id" params={{ id: nhi.id }} className="back-link">
          ← {nhi.name}
        </Link>
        <h1>Edit identity</h1>
      </header>
      {can.write ? (
        // A new version (after "reload") starts a fresh form from it.
        <EditNhiForm key={nhi.version} nhi={nhi} members={members} groups={groups} />
      ) : (
        <p className="error" role="alert">
          Your role in this realm cannot edit identities.
        </p>
      )}
    </div>
  );
}
