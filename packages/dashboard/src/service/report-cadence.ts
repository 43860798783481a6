import type { ReportCadence } from '../api/report-view.ts';

const dayMs = 86_400_000;

/**
 * When a schedule runs next after `from`: a week later, or the same day of the next month at the
 * same time (the month's last day when it is shorter: 31 January, then 28 or 29 February).
 */
export function nextRunAfter(from: Date, cadence: ReportCadence): Date {
  if (cadence === 'weekly') return new Date(from.getTime() + 7 * dayMs);
  const year = from.getUTCFullYear();
  const month = from.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const next = new Date(from.getTime());
  next.setUTCDate(1);
  next.setUTCFullYear(year, month, Math.min(from.getUTCDate(), lastDay));
  return next;
}
