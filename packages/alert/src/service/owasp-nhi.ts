import type { OwaspNhiId } from './alert-rules.ts';

/**
 * The OWASP Non-Human Identities Top 10 (2025), in its order: every page that shows a risk id
 * shows its name from here.
 */
export const owaspNhiRisks: readonly { id: OwaspNhiId; name: string }[] = [
  { id: 'NHI1', name: 'Improper Offboarding' },
  { id: 'NHI2', name: 'Secret Leakage' },
  { id: 'NHI3', name: 'Vulnerable Third-Party NHI' },
  { id: 'NHI4', name: 'Insecure Authentication' },
  { id: 'NHI5', name: 'Overprivileged NHI' },
  { id: 'NHI6', name: 'Insecure Cloud Deployment Configurations' },
  { id: 'NHI7', name: 'Long-Lived Secrets' },
  { id: 'NHI8', name: 'Environment Isolation' },
  { id: 'NHI9', name: 'NHI Reuse' },
  { id: 'NHI10', name: 'Human Use of NHI' },
];

export const owaspNhiIds: readonly OwaspNhiId[] = owaspNhiRisks.map((risk) => risk.id);

const names = new Map<string, string>(owaspNhiRisks.map((risk) => [risk.id, risk.name]));

/** "NHI1 Improper Offboarding"; an id outside the Top 10 reads as itself. */
export function owaspLabelOf(id: string): string {
  const name = names.get(id);
  return name ? `${id} ${name}` : id;
}
