const dayMs = 86_400_000;

/** Where the inventory draws lines (CIS and the OWASP NHI Top 10): rotate after 90 days, alarm after a year. */
export const staleAfterDays = 90;
export const ancientAfterDays = 365;
export const expiringWithinDays = 30;

export function wholeDaysBetween(from: Date, to: Date): number {
  return Math.floor((to.getTime() - from.getTime()) / dayMs);
}

/** "12 d", "5 mo", "2.3 y": short enough for a dense table. */
export function shortDuration(days: number): string {
  const abs = Math.abs(days);
  if (abs < 60) return `${abs} d`;
  if (abs < 730) return `${Math.round(abs / 30.4)} mo`;
  return `${(abs / 365).toFixed(1)} y`;
}

export type AgeLevel = 'ok' | 'stale' | 'ancient';

export function ageLevel(days: number): AgeLevel {
  if (days > ancientAfterDays) return 'ancient';
  if (days > staleAfterDays) return 'stale';
  return 'ok';
}

export type ExpiryLevel = 'none' | 'ok' | 'expiring' | 'expired';

export function expiryLevel(expiresAt: Date | null, asOf: Date): ExpiryLevel {
  if (!expiresAt) return 'none';
  const days = (expiresAt.getTime() - asOf.getTime()) / dayMs;
  if (days < 0) return 'expired';
  if (days <= expiringWithinDays) return 'expiring';
  return 'ok';
}
