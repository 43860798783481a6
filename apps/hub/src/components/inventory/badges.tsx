import type { NhiOwner } from '@nhi/nhi';
import { formatInstant } from '../shared/format-instant.ts';
import { ageLevel, expiryLevel, shortDuration, staleAfterDays, wholeDaysBetween } from './credential-age.ts';

/** A day in a dense table; the exact instant is in the tooltip. */
export function DateCell({ instant, empty }: { instant: Date | null; empty: string }) {
  if (!instant) return <span className="muted">{empty}</span>;
  return (
    <time dateTime={instant.toISOString()} title={`${formatInstant(instant)} UTC`}>
      {instant.toISOString().slice(0, 10)}
    </time>
  );
}

/**
 * How long ago a credential was issued or rotated; flagged past 90 days, alarmed past a year.
 * Compact (tables) says the same in fewer characters.
 */
export function AgeBadge({
  since,
  asOf,
  compact = false,
}: {
  since: Date | null;
  asOf: Date;
  compact?: boolean;
}) {
  if (!since) return <span className="muted">—</span>;
  const days = wholeDaysBetween(since, asOf);
  const level = ageLevel(days);
  const title = `Issued or last rotated ${formatInstant(since)} UTC (${days} days ago)`;
  if (level === 'ok') {
    return (
      <span className="badge badge-plain" title={title} data-testid="age-badge" data-level={level}>
        {shortDuration(days)}
      </span>
    );
  }
  return (
    <span className={`badge badge-${level}`} title={title} data-testid="age-badge" data-level={level}>
      {level === 'ancient'
        ? compact
          ? '>1y'
          : '> 1 year'
        : compact
          ? `>${staleAfterDays}d`
          : `> ${staleAfterDays} days`}{' '}
      · {shortDuration(days)}
    </span>
  );
}

/** When a credential expires: expired, or within 30 days, stands out. */
export function ExpiryBadge({
  expiresAt,
  asOf,
  compact = false,
}: {
  expiresAt: Date | null;
  asOf: Date;
  compact?: boolean;
}) {
  const level = expiryLevel(expiresAt, asOf);
  if (!expiresAt || level === 'none') return <span className="muted">Never</span>;
  const days = wholeDaysBetween(asOf, expiresAt);
  const title = `Expires ${formatInstant(expiresAt)} UTC`;
  const text =
    level === 'expired'
      ? `Expired ${shortDuration(days)}${compact ? '' : ' ago'}`
      : level === 'expiring'
        ? `${compact ? 'In' : 'Expires in'} ${shortDuration(days)}`
        : `In ${shortDuration(days)}`;
  return (
    <span
      className={level === 'ok' ? 'badge badge-plain' : `badge badge-${level}`}
      title={title}
      data-testid="expiry-badge"
      data-level={level}
    >
      {text}
    </span>
  );
}

/** Nobody answering for an identity is a finding in itself, so it is never shown as a blank. */
export function OwnerLabel({ owner }: { owner: NhiOwner | null }) {
  if (!owner) {
    return (
      <span
        className="badge badge-unowned"
        title="Nobody answers for this identity. Assign an owner."
        data-testid="owner-unowned"
      >
        Unowned
      </span>
    );
  }
  return (
    <span className="owner" title={owner.email} data-testid="owner-email">
      {owner.email}
    </span>
  );
}

export function StatusBadge({ status, label }: { status: string; label: string }) {
  return <span className={`status status-nhi-${status}`}>{label}</span>;
}
