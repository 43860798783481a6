import type { JsonValue } from '@nhi/nhi';
import type { AlertTicketView } from '../sql/alert-tickets.sql.ts';
import type { AlertAssignment } from './alert-collaboration.ts';
import type { AlertRule, AlertSeverity, RiskDimension } from './alert-rules.ts';
import { alertRuleOf } from './alert-rules.ts';

export type AlertState = 'open' | 'acknowledged' | 'resolved' | 'suppressed';

export const alertListSelect = {
  id: true,
  ruleId: true,
  owaspId: true,
  severity: true,
  state: true,
  nhiId: true,
  credentialId: true,
  firstSeenAt: true,
  lastSeenAt: true,
  stateChangedAt: true,
  resolution: true,
  suppressedUntil: true,
  suppressReason: true,
} as const;

interface ListRow {
  id: string;
  ruleId: string;
  owaspId: string;
  severity: AlertSeverity;
  state: AlertState;
  nhiId: string | null;
  credentialId: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  stateChangedAt: Date;
  resolution: string | null;
  suppressedUntil: Date | null;
  suppressReason: string | null;
}

export interface NhiOfAlert {
  name: string;
  environment: string;
  ownerUserId: string | null;
  ownerEmail: string | null;
}

export type AlertListItem = ListRow & { title: string; nhi: NhiOfAlert | null };

export interface AlertListPage {
  items: AlertListItem[];
  /** Alerts matching the filters, on every page. */
  total: number;
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
  /** Pass as `before` for the previous page; null on the first one. */
  previousCursor: string | null;
}

export interface AlertHistoryEntry {
  /** assignment: the assignee or due date changed, the state did not; absent where not read. */
  kind?: 'state' | 'assignment';
  fromState: AlertState | null;
  toState: AlertState;
  reason: string | null;
  actorType: 'user' | 'token' | 'system';
  actorId: string | null;
  createdAt: Date;
}

/** A history entry with who made it as people recognise them: an email, a token's name, or "system". */
export type AlertHistoryLine = AlertHistoryEntry & { actor: string };

export type AlertDetail = AlertListItem & {
  subject: string;
  evidence: { [key: string]: JsonValue };
  suppressedById: string | null;
  explanation: string;
  /** The evidence in sentences: the path, statements or bindings, places found (alert-explanation.ts). */
  details: string[];
  remediation: string;
  /** Which sources can evaluate the rule, so a reader knows what a silent source could not tell. */
  sources: string;
  history: AlertHistoryLine[];
  /** Its tickets in Jira or ServiceNow, with their status as last synced. */
  tickets: AlertTicketView[];
} & AlertAssignment;

/** What the caller may do with the realm's alerts: triage them (ack), configure rules and channels. */
export interface AlertAbilities {
  ack: boolean;
  configure: boolean;
}

/** Around every alert page: what the caller may do, and the server's "now", from which a suppression's default expiry counts. */
export interface AlertContext {
  can: AlertAbilities;
  asOf: Date;
}

export type RuleView = AlertRule & { enabled: boolean; values: Record<string, number>; customised: boolean };

export interface RiskFactor {
  ruleId: string;
  owaspId: string;
  severity: AlertSeverity;
  /** Which of the score's dimensions the rule feeds (ADR 0021), and its weight there (0..1). */
  dimension: RiskDimension;
  weight: number;
  /** The weight in hundredths, as the risk card shows it. */
  points: number;
  alerts: number;
}

export interface NhiRisk {
  nhiId: string;
  score: number;
  level: AlertSeverity;
  factors: RiskFactor[];
  computedAt: Date | null;
}

export function toListItem(row: ListRow, nhi: NhiOfAlert | undefined): AlertListItem {
  return {
    id: row.id,
    ruleId: row.ruleId,
    owaspId: row.owaspId,
    severity: row.severity,
    state: row.state,
    nhiId: row.nhiId,
    credentialId: row.credentialId,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    stateChangedAt: row.stateChangedAt,
    resolution: row.resolution,
    suppressedUntil: row.suppressedUntil,
    suppressReason: row.suppressReason,
    title: alertRuleOf(row.ruleId)?.title ?? row.ruleId,
    nhi: nhi ?? null,
  };
}
