import type { ScanView } from '@nhi/scanner/schema';

type Progress = NonNullable<ScanView['progress']>;

/** The first names of a list, and how many more there are. */
const names = (list: string[], shown = 3) =>
  list.length <= shown
    ? list.join(', ')
    : `${list.slice(0, shown).join(', ')} and ${list.length - shown} more`;

/**
 * How far a scan reading its input in parts (an organization's accounts) has got: "Reading accounts:
 * 23 of 50, 2 failed (staging, audit); now reading dev". Once the scan has ended, what it read.
 */
export function progressSummary(progress: Progress, running: boolean): string {
  const failed =
    progress.failed.length > 0 ? `, ${progress.failed.length} failed (${names(progress.failed)})` : '';
  if (!running) return `Read ${progress.done} of ${progress.total} ${progress.unit}${failed}.`;
  const now = progress.reading.length > 0 ? `; now reading ${names(progress.reading)}` : '';
  return `Reading ${progress.unit}: ${progress.done} of ${progress.total}${failed}${now}.`;
}
