import { csvLine } from '@nhi/platform';
import type { AlertExportRow } from '../sql/alert-export.sql.ts';
import { evidenceLines } from './alert-explanation.ts';
import { alertRuleOf } from './alert-rules.ts';

/** The columns of the alert CSV, in order: a stable header that scripts may rely on. */
export const alertCsvColumns = [
  'id',
  'fingerprint',
  'rule_id',
  'title',
  'owasp_id',
  'severity',
  'state',
  'identity_id',
  'identity_name',
  'identity_kind',
  'provider',
  'external_id',
  'environment',
  'owner',
  'owner_team',
  'risk_score',
  'first_seen',
  'last_seen',
  'state_changed',
  'subject',
  'details',
] as const;

export const alertCsvHeader = csvLine(alertCsvColumns);

const iso = (date: Date | string | null) => (date ? new Date(date).toISOString() : '');

/** One alert as a CSV line; the details are the evidence as the alert page writes it, one per line. */
export function toAlertCsvLine(alert: AlertExportRow): string {
  return csvLine([
    alert.id,
    alert.fingerprint,
    alert.ruleId,
    alertRuleOf(alert.ruleId)?.title ?? alert.ruleId,
    alert.owaspId,
    alert.severity,
    alert.state,
    alert.nhiId ?? '',
    alert.nhiName ?? '',
    alert.nhiKind ?? '',
    alert.provider ?? '',
    alert.externalId ?? '',
    alert.environment ?? '',
    alert.ownerEmail ?? '',
    alert.ownerTeam ?? '',
    alert.riskScore === null ? '' : String(alert.riskScore),
    iso(alert.firstSeenAt),
    iso(alert.lastSeenAt),
    iso(alert.stateChangedAt),
    alert.subject,
    evidenceLines(alert.evidence, 20).join('\n'),
  ]);
}
