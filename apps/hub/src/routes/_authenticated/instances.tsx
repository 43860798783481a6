import { createFileRoute, useRouter } from '@tanstack/react-router';
import { InstanceTable } from '../../components/instances/instance-table.tsx';
import { LoadFailed } from '../../components/load-failed.tsx';
import { listInstances } from '../../server/functions/instances.functions.ts';

export const Route = createFileRoute('/_authenticated/instances')({
  head: () => ({ meta: [{ title: 'Instances · NHI Hub' }] }),
  loader: () => listInstances(),
  component: InstancesPage,
  errorComponent: ({ error }) => <InstancesError error={error} />,
});

function InstancesPage() {
  const instances = Route.useLoaderData();
  const router = useRouter();
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Instances</h1>
        <p className="muted">
          Worker instances serve realms on their own database; the hub forwards every call for those realms to
          them and asks each one whether it is ready at every heartbeat. A realm whose instance is down cannot
          be used until it answers again.
        </p>
      </header>
      <div>
        <button
          type="button"
          className="button secondary small"
          onClick={() => router.invalidate()}
          data-testid="refresh-instances"
        >
          Refresh
        </button>
      </div>
      <InstanceTable instances={instances} />
    </div>
  );
}

function InstancesError({ error }: { error: unknown }) {
  return <LoadFailed what="The instances" error={error} testId="instances-failed" />;
}
