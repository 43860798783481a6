/**
 * What the dashboard shows, as plain data: the service returns it, the page renders it, the
 * combined overview merges several of it. No zod here: the page imports these types only.
 */
import type { nhiEnvironments, nhiKinds, nhiProviders } from '@nhi/nhi/vocabulary';

export type NhiKind = (typeof nhiKinds)[number];
export type NhiProvider = (typeof nhiProviders)[number];
export type NhiEnvironment = (typeof nhiEnvironments)[number];

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export type RiskLevel = Severity | 'none';
export const riskLevels: readonly RiskLevel[] = ['critical', 'high', 'medium', 'low', 'none'];

/** Credential age buckets in days since the oldest active credential was created or last rotated. */
export const ageBuckets = ['0-30', '30-90', '90-180', '180-365', '>365'] as const;
export type AgeBucket = (typeof ageBuckets)[number];

export interface DashboardFilter {
  environment?: NhiEnvironment[];
  provider?: NhiProvider[];
  /** Scanner source ids. */
  source?: string[];
}

/** A scanner source of the realm, for the page's source filter. */
export interface ScannerSource {
  id: string;
  name: string;
  type: string;
}

/** The headline figures: also what a daily snapshot stores. */
export interface DashboardFigures {
  /** Identities not deleted, whatever their status. */
  nhiTotal: number;
  nhiActive: number;
  /** Active identities nobody answers for. */
  unowned: number;
  /** Active identities with an active credential older than 90 days. */
  credentialsOlderThan90: number;
  /** Active identities with an active credential expiring within 30 days (expired included). */
  expiringWithin30: number;
  /** Alerts in state open, by severity. */
  openAlerts: Record<Severity, number>;
  /** Mean risk score (0-100) over active identities; one without a score counts 0. */
  riskScore: number;
  /** Leaked secrets found by scans. */
  leaks: number;
}

export interface CountOf<Key extends string> {
  key: Key;
  count: number;
}

export interface FixFirstItem {
  nhiId: string;
  name: string;
  kind: NhiKind;
  provider: NhiProvider;
  environment: NhiEnvironment;
  score: number;
  level: Severity;
  owner: { id: string; email: string } | null;
  /** The factor adding the most points: its rule, OWASP id and severity. */
  mainFactor: { ruleId: string; owaspId: string; severity: Severity } | null;
}

export interface OwnerAlerts {
  owner: { id: string; email: string };
  openAlerts: number;
}

export interface RecentScan {
  id: string;
  sourceName: string;
  sourceType: string;
  state: string;
  newCount: number;
  updatedCount: number;
  missingCount: number;
  leakCount: number;
  warningCount: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface AlertActivity {
  alertId: string;
  ruleId: string;
  owaspId: string;
  severity: Severity;
  fromState: string | null;
  toState: string;
  actorType: string;
  nhiName: string | null;
  at: Date;
}

/** Why a scoped caller's dashboard has no trend. */
export const trendsKeptForRealm = 'Trends are kept for the whole realm';

/** How many days the trend looks back: the page's time-range picker. */
export const trendRanges = [7, 30, 90] as const;
export type TrendDays = (typeof trendRanges)[number];
export const defaultTrendDays: TrendDays = 30;

export interface TrendPoint {
  /** YYYY-MM-DD (UTC). */
  day: string;
  openAlerts: number;
  /** Null on an estimated day: past risk scores cannot be rebuilt from what the tables keep. */
  riskScore: number | null;
  /** Identities known that day (not deleted, any status); absent when a snapshot did not keep it. */
  nhiTotal?: number;
  /**
   * Derived for a day before the realm's first snapshot, as at 00:00 UTC (when the daily snapshot
   * runs): identities from their first-seen and deletion times, open alerts from their history.
   * Never set on a measured snapshot or today's live figures.
   */
  estimated?: true;
}

export interface DashboardOverview {
  asOf: Date;
  filter: DashboardFilter;
  figures: DashboardFigures;
  /** The figures of the snapshot a week before, when there is one and no filter narrows the page. */
  weekAgo: DashboardFigures | null;
  byKind: CountOf<NhiKind>[];
  byProvider: CountOf<NhiProvider>[];
  byEnvironment: CountOf<NhiEnvironment>[];
  credentialAge: CountOf<AgeBucket>[];
  openAlertsByOwasp: CountOf<string>[];
  riskLevels: CountOf<RiskLevel>[];
  /**
   * The last `trendDays` days from the daily snapshots, then today's live figures; on the unfiltered
   * page, days before the first snapshot are estimated where the data allows. Null for a caller
   * who sees part of the realm: the snapshots count all of it (`trendWithheld` says so).
   */
  trend: TrendPoint[] | null;
  /** Why there is no trend, for the page to show; null when there is one. */
  trendWithheld: string | null;
  trendDays: TrendDays;
  fixFirst: FixFirstItem[];
  topOwners: OwnerAlerts[];
  recentScans: RecentScan[];
  recentAlertActivity: AlertActivity[];
  /** Rules of the catalogue the realm turned off: a risk only they check is not checked. */
  disabledRules: string[];
  /** The realm's scanner sources, for the page's source filter. */
  sources: ScannerSource[];
}

/**
 * The overview as served: with how old its figures were when sent, by the server's clock (an
 * unchanged realm is served what was counted a few seconds before). The page's "updated N s ago"
 * starts from there, whatever the browser's clock says.
 */
export interface ServedOverview extends DashboardOverview {
  ageMs: number;
}
