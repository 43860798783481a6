import type { DashboardFigures, RiskLevel, Severity, TrendPoint } from './dashboard-view.ts';

/** The scanner source types a realm connects; what each can evaluate is in owasp-coverage.ts. */
export const reportSourceTypes = [
  'aws_iam',
  'github',
  'kubernetes',
  'secrets',
  'gcp',
  'entra',
  'gitlab',
] as const;
export type ReportSourceType = (typeof reportSourceTypes)[number];

export const sourceTypeLabels: Record<ReportSourceType, string> = {
  aws_iam: 'AWS IAM',
  github: 'GitHub',
  kubernetes: 'Kubernetes',
  secrets: 'Secret scans',
  gcp: 'Google Cloud',
  entra: 'Microsoft Entra ID',
  gitlab: 'GitLab',
};

/** How long alerts have been open, by when they were first seen. */
export const alertAgeBuckets = ['<7d', '7-30d', '30-90d', '>90d'] as const;
export type AlertAgeBucket = (typeof alertAgeBuckets)[number];

/** One risk of the OWASP NHI Top 10 and whether the realm's connected sources can check it. */
export interface OwaspCoverage {
  id: string;
  name: string;
  /** Connected source types whose data feeds at least one rule of this risk. */
  evaluatedBy: ReportSourceType[];
  /** Connected source types that feed none of its rules. */
  notEvaluatedBy: ReportSourceType[];
  /** Source types not connected that would let the realm check it (advice). */
  wouldBeEvaluatedBy: ReportSourceType[];
  /** Some of its rules read the inventory itself: identities entered by hand or imported count too. */
  fromInventory: boolean;
  openAlerts: number;
}

export interface TeamAlerts {
  /** Null: alerts about identities no team owns, or about no identity. */
  groupId: string | null;
  team: string;
  openAlerts: number;
}

export interface OwnerRisk {
  email: string;
  critical: number;
  high: number;
}

/** What a report says; stored as the PostureReport's figures, so the next one can compare. */
export interface PostureFigures {
  /** ISO instant the figures were counted at. */
  asOf: string;
  realm: { slug: string; name: string };
  headline: DashboardFigures;
  openBySeverity: Record<Severity, number>;
  openByTeam: TeamAlerts[];
  ageing: Record<AlertAgeBucket, number>;
  riskLevels: Record<RiskLevel, number>;
  /** Daily snapshots (estimated days included), then today's live point. */
  trend30: TrendPoint[];
  trend90: TrendPoint[];
  topOwners: OwnerRisk[];
  connectedSourceTypes: ReportSourceType[];
  owasp: OwaspCoverage[];
}

/** What changed since the last report produced for the realm. */
export interface ReportChanges {
  /** ISO instant of the previous report. */
  since: string;
  newAlerts: number;
  closedAlerts: number;
  identitiesAdded: number;
  identitiesRemoved: number;
  openAlerts: { before: number; after: number };
  riskScore: { before: number; after: number };
  riskLevels: { level: RiskLevel; before: number; after: number }[];
}

export interface PostureReport {
  /** Null for a preview that was not stored. */
  id: string | null;
  figures: PostureFigures;
  /** Null for the realm's first report. */
  changes: ReportChanges | null;
}

export const reportCadences = ['weekly', 'monthly'] as const;
export type ReportCadence = (typeof reportCadences)[number];

export interface ReportScheduleView {
  id: string;
  name: string;
  cadence: ReportCadence;
  channelId: string;
  channelName: string;
  recipients: string[];
  enabled: boolean;
  nextRunAt: Date;
  lastSentAt: Date | null;
  lastError: string | null;
}

/** The realm's email channels a schedule may send through. */
export interface EmailChannelOption {
  id: string;
  name: string;
}
