import { createFileRoute, Link } from '@tanstack/react-router';
import { ExportLink } from '../../components/shared/export-link.tsx';
import { InstantCell } from '../../components/shared/instant-cell.tsx';
import { TableScroll } from '../../components/shared/table-scroll.tsx';
import { listLeaks } from '../../server/functions/scanner.functions.ts';

export const Route = createFileRoute('/_authenticated/leaks')({
  head: () => ({ meta: [{ title: 'Leaks · NHI Hub' }] }),
  loader: () => listLeaks({ data: { limit: 500 } }),
  component: LeaksPage,
});

function LeaksPage() {
  const leaks = Route.useLoaderData();
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Leaked secrets</h1>
        <p className="muted">
          Secrets found in code and files. Only a masked match is kept, never the secret. A leak is resolved
          when a later scan of the same files no longer finds it.{' '}
          <ExportLink
            path="/api/export/leaks"
            params={[['format', 'sarif']]}
            label="Export SARIF"
            testId="leaks-export-sarif"
          />
        </p>
      </header>
      <TableScroll label="Leaked secrets table">
        <table className="table" data-testid="leaks-table">
          <thead>
            <tr>
              <th>Where</th>
              <th>Secret</th>
              <th>Match</th>
              <th>Identity</th>
              <th>Status</th>
              <th>Last seen (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {leaks.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  No leaks found.
                </td>
              </tr>
            ) : null}
            {leaks.map((leak) => (
              <tr key={leak.id}>
                <td>
                  <code>
                    {leak.file}
                    {leak.line ? `:${leak.line}` : ''}
                  </code>
                  {leak.commit ? <div className="hint">commit {leak.commit.slice(0, 12)}</div> : null}
                </td>
                <td>
                  {leak.secretType ? leak.secretType.replaceAll('_', ' ') : leak.rule}
                  {leak.secretType ? <div className="hint">{leak.rule}</div> : null}
                  {leak.verification ? (
                    <div className={`badge ${leak.verification === 'live' ? 'severity-critical' : ''}`}>
                      {`verified ${leak.verification}`}
                    </div>
                  ) : null}
                </td>
                <td>
                  <code>{leak.maskedMatch}</code>
                </td>
                <td>
                  {leak.nhi ? (
                    <Link to="/inventory/$id" params={{ id: leak.nhi.id }}>
                      {leak.nhi.name}
                    </Link>
                  ) : (
                    <span className="muted">not inventoried</span>
                  )}
                </td>
                <td data-testid="leak-status">
                  {leak.resolvedAt ? (
                    <>
                      <span className="badge scan-succeeded">resolved</span>
                      <div className="hint">
                        {leak.resolvedByScanId ? (
                          <Link to="/scans/$scanId" params={{ scanId: leak.resolvedByScanId }}>
                            not found by a later scan
                          </Link>
                        ) : (
                          'not found by a later scan'
                        )}
                      </div>
                    </>
                  ) : (
                    <span className="badge scan-failed">open</span>
                  )}
                </td>
                <td>
                  <InstantCell instant={leak.lastSeenAt} empty="" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
