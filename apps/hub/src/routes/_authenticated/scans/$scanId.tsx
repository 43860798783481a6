import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { useEffect } from 'react';
import { ScanCountLink, ScanDiffSections } from '../../../components/scanner/scan-diff-sections.tsx';
import { progressSummary } from '../../../components/scanner/scan-progress.ts';
import { readingSummary } from '../../../components/scanner/scan-reading.ts';
import { ScanStateBadge } from '../../../components/scanner/scan-state-badge.tsx';
import { AlertMessage } from '../../../components/shared/alert-message.tsx';
import { InstantCell } from '../../../components/shared/instant-cell.tsx';
import { usePendingAction } from '../../../components/shared/use-pending-action.ts';
import { orNotFound } from '../../../lib/not-found.ts';
import { cancelScan, getScan, getScanDiff } from '../../../server/functions/scanner.functions.ts';

export const Route = createFileRoute('/_authenticated/scans/$scanId')({
  head: () => ({ meta: [{ title: 'Scan · NHI Hub' }] }),
  loader: async ({ params }) => {
    const [scan, diff] = await Promise.all([
      orNotFound(getScan({ data: { id: params.scanId } })),
      orNotFound(getScanDiff({ data: { id: params.scanId } })),
    ]);
    return { scan, diff };
  },
  component: ScanPage,
});

const active = new Set(['queued', 'running']);

function ScanPage() {
  const { scan, diff } = Route.useLoaderData();
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
          </span>{' '}
          <span className="muted">identities and leaks</span>
        </div>
        <p data-testid="scan-reading">{readingSummary(scan)}</p>
        {scan.progress ? (
          <p data-testid="scan-read-progress">{progressSummary(scan.progress, running)}</p>
        ) : null}
        <dl className="counts" data-testid="scan-counts">
          <dt>New</dt>
          <dd data-testid="count-new">
            <ScanCountLink scanId={scan.id} change="added" count={scan.counts.new} testId="count-new-link" />
          </dd>
          <dt>Updated</dt>
          <dd data-testid="count-updated">
            <ScanCountLink
              scanId={scan.id}
              change="changed"
              count={scan.counts.updated}
              testId="count-updated-link"
            />
          </dd>
          <dt>Unchanged</dt>
          <dd data-testid="count-unchanged">{scan.counts.unchanged}</dd>
          <dt>Missing</dt>
          <dd data-testid="count-missing">
            <ScanCountLink
              scanId={scan.id}
              change="missing"
              count={scan.counts.missing}
              testId="count-missing-link"
            />
          </dd>
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
            <Link to="/inventory" search={{ source: [scan.sourceId] }} data-testid="scan-source-inventory">
              See the identities of {scan.sourceName}
            </Link>
          </p>
        )}
      </section>
      <ScanDiffSections diff={diff} />
      <section className="stack" aria-label="Warnings">
        <h2>
          Warnings <span className="muted">({scan.warningCount})</span>
        </h2>
        {scan.warningCount === 0 ? (
          <p className="muted">
            {scan.state === 'succeeded' ? 'No item of the input had a problem.' : 'None so far.'}
          </p>
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
