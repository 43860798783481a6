import { formatInstant } from './format-instant.ts';

/** Wraps, when the column is narrow, between date and time, never inside either. */
export function InstantCell({ instant, empty }: { instant: Date | null; empty: string }) {
  if (!instant) return <span className="muted">{empty}</span>;
  const [date, time] = formatInstant(instant).split(' ');
  return (
    <time dateTime={instant.toISOString()} title={`${instant.toISOString()} (UTC)`}>
      <span className="nowrap">{date}</span> <span className="nowrap">{time}</span>
    </time>
  );
}
