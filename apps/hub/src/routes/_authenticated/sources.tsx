import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { AddSourceForm } from '../../components/scanner/add-source-form.tsx';
import { RemediationSettingsCard } from '../../components/scanner/remediation-settings.tsx';
import { ScanFileForm } from '../../components/scanner/scan-file-form.tsx';
import { ScanStateBadge } from '../../components/scanner/scan-state-badge.tsx';
import scannerStyles from '../../components/scanner/scanner.css?url';
import { SourceActions } from '../../components/scanner/source-actions.tsx';
import { InstantCell } from '../../components/shared/instant-cell.tsx';
import { loadSourcesPage } from '../../server/functions/scanner.functions.ts';

export const Route = createFileRoute('/_authenticated/sources')({
  head: () => ({
    meta: [{ title: 'Sources · NHI Hub' }],
    links: [{ rel: 'stylesheet', href: scannerStyles }],
  }),
  loader: () => loadSourcesPage(),
  component: SourcesPage,
});

function SourcesPage() {
  const { sources, abilities } = Route.useLoaderData();
  const router = useRouter();

  return (
    <div className="stack">
      <header className="page-header">
        <h1>Sources</h1>
        <p className="muted">
          Where identities are discovered: cloud accounts, clusters, GitHub organisations and code. Scan an
          exported file, or let a schedule scan the source.
        </p>
      </header>
      {abilities.manageSources ? <AddSourceForm onCreated={() => router.invalidate()} /> : null}
      {abilities.manageSources ? <RemediationSettingsCard /> : null}
      <table className="table" data-testid="sources-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Environment</th>
            <th>Schedule</th>
            <th>Last scan (UTC)</th>
            <th>Identities</th>
            {abilities.runScans ? <th>Scan a file</th> : null}
            {abilities.manageSources ? <th>Manage</th> : null}
          </tr>
        </thead>
        <tbody>
          {sources.length === 0 ? (
            <tr>
              <td colSpan={8} className="muted">
                No sources yet.
              </td>
            </tr>
          ) : null}
          {sources.map((source) => (
            <tr key={source.id} data-testid={`source-row-${source.name}`}>
              <td>
                <Link to="/scans" search={{ sourceId: source.id }}>
                  {source.name}
                </Link>
                {source.secretNames.length > 0 ? (
                  <div className="hint">credentials: {source.secretNames.join(', ')}</div>
                ) : null}
              </td>
              <td>{source.type}</td>
              <td>{source.environment}</td>
              <td>{source.schedule ?? <span className="muted">on demand</span>}</td>
              <td>
                {source.lastScan ? (
                  <Link to="/scans/$scanId" params={{ scanId: source.lastScan.id }}>
                    <ScanStateBadge state={source.lastScan.state} />{' '}
                    <InstantCell instant={source.lastScan.finishedAt ?? source.lastScan.createdAt} empty="" />
                  </Link>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td>
                <Link
                  to="/inventory"
                  search={{ source: [source.id] }}
                  data-testid="source-identity-count"
                  aria-label={`${source.identityCount} identities of ${source.name} in the inventory`}
                >
                  {source.identityCount}
                </Link>{' '}
                <Link
                  to="/alerts"
                  search={{ source: [source.id] }}
                  className="hint"
                  data-testid="source-alerts"
                >
                  alerts
                </Link>
              </td>
              {abilities.runScans ? (
                <td>
                  <ScanFileForm sourceId={source.id} sourceName={source.name} type={source.type} />
                </td>
              ) : null}
              {abilities.manageSources ? (
                <td>
                  <SourceActions source={source} onChanged={() => router.invalidate()} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
