import { createFileRoute, Link, useLoaderData } from '@tanstack/react-router';
import { CreateNhiForm } from '../../../components/inventory/create-nhi-form.tsx';
import { InventoryError } from '../../../components/inventory/inventory-states.tsx';

export const Route = createFileRoute('/_authenticated/inventory/new')({
  head: () => ({ meta: [{ title: 'New identity · NHI Hub' }] }),
  errorComponent: ({ error }) => <InventoryError error={error} />,
  component: NewNhiPage,
});

function NewNhiPage() {
  const context = useLoaderData({ from: '/_authenticated/inventory' });
  return (
    <div className="stack">
      <header className="page-header">
        <Link to="/inventory" className="back-link">
          ← Inventory
        </Link>
        <h1>Add an identity</h1>
        <p className="muted">
          For identities no connector reports. Credentials are added on its page afterwards.
        </p>
      </header>
      {context.can.write ? (
        <CreateNhiForm members={context.members} groups={context.groups} />
      ) : (
        <p className="error" role="alert">
          Your role in this realm cannot add identities.
        </p>
      )}
    </div>
  );
}
