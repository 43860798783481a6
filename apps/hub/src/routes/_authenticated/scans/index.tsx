import { createFileRoute, Link } from '@tanstack/react-router';
import { ScanCountLink } from '../../../components/scanner/scan-diff-sections.tsx';
import { ScanStateBadge } from '../../../components/scanner/scan-state-badge.tsx';
import { InstantCell } from '../../../components/shared/instant-cell.tsx';
import { listScans } from '../../../server/functions/scanner.functions.ts';

export const Route = createFileRoute('/_authenticated/scans/')({
  head: () => ({ meta: [{ title: 'Scans · NHI Hub' }] }),
  // A plain function: zod in the browser probes eval, which the content security policy forbids.
  validateSearch: (search: Record<string, unknown>): { sourceId?: string } =>
    typeof search.sourceId === 'string' && /^[0-9a-f-]{36}$/i.test(search.sourceId)
      ? { sourceId: search.sourceId }
      : {},
  loaderDeps: ({ search }) => ({ sourceId: search.sourceId }),
  loader: ({ deps }) => listScans({ data: { sourceId: deps.sourceId, limit: 100 } }),
  component: ScansPage,
});

function ScansPage() {
  const scans = Route.useLoaderData();
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Scan history</h1>
      </header>
      <table className="table" data-testid="scans-table">
        <thead>
          <tr>
            <th>Started (UTC)</th>
            <th>Source</th>
            <th>Input</th>
            <th>State</th>
            <th>New</th>
            <th>Updated</th>
            <th>Unchanged</th>
            <th>Missing</th>
            <th>Leaks</th>
            <th>Warnings</th>
          </tr>
        </thead>
        <tbody>
          {scans.map((scan) => (
            <tr key={scan.id}>
              <td>
                <Link to="/scans/$scanId" params={{ scanId: scan.id }}>
                  <InstantCell instant={scan.startedAt ?? scan.createdAt} empty="" />
                </Link>
              </td>
              <td>{scan.sourceName}</td>
              <td>{scan.uploadName ?? scan.input}</td>
              <td>
                <ScanStateBadge state={scan.state} />
              </td>
              <td>
                <ScanCountLink scanId={scan.id} change="added" count={scan.counts.new} testId="scan-new" />
              </td>
              <td>
                <ScanCountLink
                  scanId={scan.id}
                  change="changed"
                  count={scan.counts.updated}
                  testId="scan-updated"
                />
              </td>
              <td>{scan.counts.unchanged}</td>
              <td>
                <ScanCountLink
                  scanId={scan.id}
                  change="missing"
                  count={scan.counts.missing}
                  testId="scan-missing"
                />
              </td>
              <td>{scan.counts.leaks}</td>
              <td>{scan.warningCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
