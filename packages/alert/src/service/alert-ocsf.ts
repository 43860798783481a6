import type { AlertExportRow } from '../sql/alert-export.sql.ts';
import { alertRuleOf } from './alert-rules.ts';
import { owaspLabelOf } from './owasp-nhi.ts';

/** The OCSF version the events are written in, and the class: Findings / Detection Finding. */
export const ocsfVersion = '1.3.0';
const classUid = 2004;
const categoryUid = 2;

/** Who wrote the events: the product, in every event's metadata. */
export interface ExportProduct {
  version?: string;
}

// Create: a finding still new; Update: someone or something moved it; Close: resolved.
const activityOf = {
  open: { id: 1, name: 'Create' },
  acknowledged: { id: 2, name: 'Update' },
  suppressed: { id: 2, name: 'Update' },
  resolved: { id: 3, name: 'Close' },
} as const;

const statusOf = {
  open: { id: 1, name: 'New' },
  acknowledged: { id: 2, name: 'In Progress' },
  suppressed: { id: 3, name: 'Suppressed' },
  resolved: { id: 4, name: 'Resolved' },
} as const;

const severityOf = {
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
} as const;

// OCSF risk levels: 0 Info, 1 Low, 2 Medium, 3 High, 4 Critical.
const riskLevelOf: Record<string, { id: number; name: string }> = {
  low: { id: 1, name: 'Low' },
  medium: { id: 2, name: 'Medium' },
  high: { id: 3, name: 'High' },
  critical: { id: 4, name: 'Critical' },
};

const ms = (date: Date | string) => new Date(date).getTime();
// Absent facts are left undefined, not null: JSON.stringify then leaves them out, as OCSF wants,
// without a copy of every object (an export writes 100k of them).
const given = <T>(value: T | null) => value ?? undefined;

/**
 * One alert as an OCSF Detection Finding (class 2004). The alert's fingerprint is the finding's
 * uid, so a SIEM folds the events of one alert together as its state moves; its id is the event's.
 */
export function toOcsfDetectionFinding(alert: AlertExportRow, product: ExportProduct = {}) {
  const activity = activityOf[alert.state];
  const status = statusOf[alert.state];
  const severity = severityOf[alert.severity];
  const risk = alert.riskLevel ? riskLevelOf[alert.riskLevel] : undefined;
  return {
    class_uid: classUid,
    class_name: 'Detection Finding',
    category_uid: categoryUid,
    category_name: 'Findings',
    activity_id: activity.id,
    activity_name: activity.name,
    type_uid: classUid * 100 + activity.id,
    type_name: `Detection Finding: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    status_detail: given(alert.resolution),
    time: ms(alert.stateChangedAt),
    confidence_id: 3,
    confidence: 'High',
    risk_score: given(alert.riskScore),
    risk_level_id: risk?.id,
    risk_level: risk?.name,
    message: findingTitle(alert),
    finding_info: findingInfo(alert),
    metadata: metadataOf(alert, product),
    resources: alert.nhiId ? [resourceOf(alert)] : undefined,
    remediation: { desc: alertRuleOf(alert.ruleId)?.remediation || 'See the rule in NHI Hub.' },
    evidences: [{ data: alert.evidence ?? {} }],
    unmapped: {
      rule_id: alert.ruleId,
      subject: alert.subject,
      suppressed_until: alert.suppressedUntil?.toISOString(),
    },
  };
}

function findingTitle(alert: AlertExportRow): string {
  return alertRuleOf(alert.ruleId)?.title ?? alert.ruleId;
}

function findingInfo(alert: AlertExportRow) {
  return {
    uid: alert.fingerprint,
    title: findingTitle(alert),
    desc: alertRuleOf(alert.ruleId)?.explanation,
    types: [owaspLabelOf(alert.owaspId)],
    analytic: { uid: alert.ruleId, name: alert.ruleId, type_id: 1, type: 'Rule' },
    created_time: ms(alert.createdAt),
    first_seen_time: ms(alert.firstSeenAt),
    last_seen_time: ms(alert.lastSeenAt),
    modified_time: ms(alert.stateChangedAt),
  };
}

function metadataOf(alert: AlertExportRow, product: ExportProduct) {
  return {
    version: ocsfVersion,
    uid: alert.id,
    product: { name: 'NHI Hub', vendor_name: 'NHI Hub', uid: 'nhi-hub', version: product.version },
  };
}

/** The identity the alert is about: its provider id, what it is, who owns it, where it runs. */
function resourceOf(alert: AlertExportRow) {
  return {
    uid: alert.externalId ?? given(alert.nhiId),
    name: given(alert.nhiName),
    type: given(alert.nhiKind),
    labels: alert.tags?.length ? alert.tags : undefined,
    owner: alert.ownerEmail ? { name: alert.ownerEmail, email_addr: alert.ownerEmail } : undefined,
    group: alert.ownerTeam ? { name: alert.ownerTeam } : undefined,
    data: {
      id: given(alert.nhiId),
      provider: given(alert.provider),
      environment: given(alert.environment),
      region: given(alert.region),
    },
  };
}
