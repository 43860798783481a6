import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { useEffect } from 'react';
import { ScanStateBadge } from '../../../components/scanner/scan-state-badge.tsx';
import { AlertMessage } from '../../../components/shared/alert-message.tsx';
import { InstantCell } from '../../../components/shared/instant-cell.tsx';
import { usePendingAction } from '../../../components/shared/use-pending-action.ts';
import { orNotFound } from '../../../lib/not-found.ts';
import { cancelScan, getScan } from '../../../server/functions/scanner.functions.ts';

export const Route = createFileRoute('/_authenticated/scans/$scanId')({
  head: () => ({ meta: [{ title: 'Scan · NHI Hub' }] }),
  loader: ({ params }) => orNotFound(getScan({ data: { id: params.scanId } })),
  component: ScanPage,
});

const active = new Set(['queued', 'running']);

function ScanPage() {
  const scan = Route.useLoaderData();
  const router = useRouter();
  const { pending, error, run } = usePendingAction();
  const running = active.has(scan.state);

  // Progress is read again every second while the scan is under way.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void router.invalidate(), 1000);
    return () => clearInterval(timer);
  }, [running, router]);

  const total = scan.itemsTotal ?? 0;
  return (
    <div className="stack" data-testid="scan-detail" data-state={scan.state}>
      <header className="page-header">
        <h1>
          Scan of {scan.sourceName} <ScanStateBadge state={scan.state} />
        </h1>
        <p className="muted">
          {scan.uploadName ?? scan.input} · started{' '}
          <InstantCell instant={scan.startedAt ?? scan.createdAt} empty="" />
          {scan.finishedAt ? (
            <>
              {' '}
              · finished <InstantCell instant={scan.finishedAt} empty="" />
            </>
          ) : null}
        </p>
      </header>
      <section className="card stack" aria-label="Progress">
        <div>
          <progress
            max={Math.max(total, 1)}
            value={running ? scan.itemsProcessed : Math.max(total, 1)}
            data-testid="scan-progress"
          />{' '}
          <span data-testid="scan-phase">{scan.phase ?? scan.state}</span>{' '}
          <span className="muted" data-testid="scan-items">
            {scan.itemsProcessed} / {total}
          </span>
        </div>
        <dl className="counts" data-testid="scan-counts">
          <dt>New</dt>
          <dd data-testid="count-new">{scan.counts.new}</dd>
          <dt>Updated</dt>
          <dd data-testid="count-updated">{scan.counts.updated}</dd>
          <dt>Unchanged</dt>
          <dd data-testid="count-unchanged">{scan.counts.unchanged}</dd>
          <dt>Missing</dt>
          <dd data-testid="count-missing">{scan.counts.missing}</dd>
          <dt>Leaks</dt>
          <dd data-testid="count-leaks">{scan.counts.leaks}</dd>
        </dl>
        {scan.error ? (
          <p className="error" data-testid="scan-error">
            {scan.error}
          </p>
        ) : null}
        {running ? (
          <div>
            <button
              type="button"
              disabled={pending}
              onClick={() =>
                void run(
                  () => cancelScan({ data: { id: scan.id } }),
                  () => router.invalidate(),
                )
              }
            >
              Cancel scan
            </button>
            <AlertMessage message={error} inline />
          </div>
        ) : (
          <p>
            <Link to="/inventory">See the inventory</Link>
          </p>
        )}
      </section>
      <section className="stack" aria-label="Warnings">
        <h2>
          Warnings <span className="muted">({scan.warningCount})</span>
        </h2>
        {scan.warningCount === 0 ? (
          <p className="muted">Every item was read.</p>
        ) : (
          <table className="table" data-testid="scan-warnings">
            <thead>
              <tr>
                <th>Item</th>
                <th>Problem</th>
              </tr>
            </thead>
            <tbody>
              {scan.warnings.map((warning) => (
                <tr key={`${warning.item}\u0000${warning.message}`}>
                  <td>{warning.item}</td>
                  <td>{warning.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {scan.warningCount > scan.warnings.length ? (
          <p className="muted">
            The first {scan.warnings.length} of {scan.warningCount} are shown.
          </p>
        ) : null}
      </section>
    </div>
  );
}
