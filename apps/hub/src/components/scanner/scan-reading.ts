import type { ScanView } from '@nhi/scanner/schema';

type Reading = Pick<
  ScanView,
  'state' | 'itemsRead' | 'itemsUnit' | 'itemsTotal' | 'itemsProcessed' | 'warningCount'
>;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * What the scan read, in the input's own terms (a Kubernetes export's objects, a report's rows), and
 * how far it got: a failed or cancelled scan says so and what it had read, never that all was read.
 */
export function readingSummary(scan: Reading): string {
  const read = scan.itemsRead === null ? null : `${scan.itemsRead} ${scan.itemsUnit ?? 'items'}`;
  const reconciled = `${scan.itemsProcessed} of ${scan.itemsTotal ?? 0} identities and leaks`;
  switch (scan.state) {
    case 'queued':
      return 'Waiting to start.';
    case 'running':
      return read ? `Read ${read}; ${reconciled} reconciled so far.` : 'Reading the input…';
    case 'succeeded': {
      const problems =
        scan.warningCount === 0
          ? 'none of them with a problem'
          : `${plural(scan.warningCount, 'problem')} reported below, the rest read`;
      return `Read ${read ?? 'the input'}, ${problems}; ${reconciled} reconciled.`;
    }
    case 'failed':
      return read
        ? `The scan failed after reading ${read}; ${reconciled} were reconciled before it stopped.`
        : 'The scan failed before it could read its input.';
    case 'cancelled':
      return read
        ? `The scan was cancelled after reading ${read}; ${reconciled} were reconciled before it stopped.`
        : 'The scan was cancelled before it read its input.';
  }
}
