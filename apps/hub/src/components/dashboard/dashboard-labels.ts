import type { AgeBucket, RiskLevel, Severity } from '@nhi/dashboard/view';

export const severityLabels: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export const riskLevelLabels: Record<RiskLevel, string> = { ...severityLabels, none: 'No risk' };

export const ageBucketLabels: Record<AgeBucket, string> = {
  '0-30': '0–30 days',
  '30-90': '30–90 days',
  '90-180': '90–180 days',
  '180-365': '180–365 days',
  '>365': 'over 365 days',
};

/** Readable names of vocabulary values: "service_account" reads "service account". */
export function labelOf(value: string): string {
  return value.replace(/_/g, ' ');
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 1000) / 10}%`;
}
