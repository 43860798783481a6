/**
 * Where each figure of the dashboard leads: the inventory page with its own search params, and
 * the alerts page with the URL contract below. A link's list shows exactly the items the figure
 * counts (tests hold both to it). Plain functions without dependencies: the page imports them.
 *
 * Alerts page contract (`/alerts`):
 *   state=open            alert state (open, acknowledged, resolved, suppressed)
 *   severity=high         severity (low, medium, high, critical)
 *   owasp=NHI7            OWASP NHI Top 10 id
 *   owner=<user id>       alerts about identities this user owns
 *   environment=…, provider=…, source=…  alerts about identities of these environments, providers,
 *                         scanner sources (lists, source by id); with any of them, alerts without an
 *                         identity or about a deleted one drop out.
 * e.g. /alerts?state=open&severity=high&owasp=NHI7
 */
import type {
  AgeBucket,
  DashboardFilter,
  NhiEnvironment,
  NhiKind,
  NhiProvider,
  RiskLevel,
  Severity,
} from '../api/dashboard-view.ts';

/** The inventory page's search params (its InventorySearch), as far as the dashboard links use them. */
export interface InventoryLinkSearch {
  kind?: NhiKind[];
  provider?: NhiProvider[];
  environment?: NhiEnvironment[];
  status?: ('active' | 'disabled' | 'decommissioned' | 'missing_from_source')[];
  owner?: string[];
  olderThan?: number;
  newerThan?: number;
  expiring?: number;
  risk?: RiskLevel[];
  source?: string[];
}

export interface AlertsLinkSearch {
  state?: 'open';
  severity?: Severity;
  owasp?: string;
  owner?: string;
  environment?: NhiEnvironment[];
  provider?: NhiProvider[];
  source?: string[];
}

export interface InventoryLink {
  to: '/inventory';
  search: InventoryLinkSearch;
}

export interface AlertsLink {
  to: '/alerts';
  search: AlertsLinkSearch;
}

export type DashboardLink = InventoryLink | AlertsLink;

function pageFilter(
  filter: DashboardFilter,
): Pick<InventoryLinkSearch, 'environment' | 'provider' | 'source'> {
  return {
    ...(filter.environment?.length ? { environment: [...filter.environment] } : {}),
    ...(filter.provider?.length ? { provider: [...filter.provider] } : {}),
    ...(filter.source?.length ? { source: [...filter.source] } : {}),
  };
}

/** The inventory's age filters for each bucket, the same bounds as the dashboard counts with. */
const ageBands: Record<AgeBucket, Pick<InventoryLinkSearch, 'olderThan' | 'newerThan'>> = {
  '0-30': { newerThan: 30 },
  '30-90': { olderThan: 30, newerThan: 90 },
  '90-180': { olderThan: 90, newerThan: 180 },
  '180-365': { olderThan: 180, newerThan: 365 },
  '>365': { olderThan: 365 },
};

function inventory(filter: DashboardFilter, search: InventoryLinkSearch): InventoryLink {
  return { to: '/inventory', search: { ...pageFilter(filter), ...search } };
}

export const inventoryLinks = {
  total: (filter: DashboardFilter) => inventory(filter, {}),
  active: (filter: DashboardFilter) => inventory(filter, { status: ['active'] }),
  unowned: (filter: DashboardFilter) => inventory(filter, { status: ['active'], owner: ['unowned'] }),
  credentialsOlderThan90: (filter: DashboardFilter) =>
    inventory(filter, { status: ['active'], olderThan: 90 }),
  expiringWithin30: (filter: DashboardFilter) => inventory(filter, { status: ['active'], expiring: 30 }),
  kind: (filter: DashboardFilter, kind: NhiKind) => inventory(filter, { kind: [kind] }),
  /** Within the page's source filter: a provider outside it would show more than the segment. */
  provider: (filter: DashboardFilter, provider: NhiProvider) =>
    inventory({ ...filter, provider: undefined }, { provider: [provider] }),
  environment: (filter: DashboardFilter, environment: NhiEnvironment) =>
    inventory({ ...filter, environment: undefined }, { environment: [environment] }),
  /** A band of ages of the oldest active credential: older than its lower bound, not older than its upper. */
  credentialAge: (filter: DashboardFilter, bucket: AgeBucket): InventoryLink =>
    inventory(filter, { status: ['active'], ...ageBands[bucket] }),
  /** Active identities whose risk score has this level; "none": no score. */
  riskLevel: (filter: DashboardFilter, level: RiskLevel): InventoryLink =>
    inventory(filter, { status: ['active'], risk: [level] }),
};

function alerts(filter: DashboardFilter, search: AlertsLinkSearch): AlertsLink {
  return { to: '/alerts', search: { state: 'open', ...search, ...pageFilter(filter) } };
}

export const alertsLinks = {
  open: (filter: DashboardFilter) => alerts(filter, {}),
  severity: (filter: DashboardFilter, severity: Severity) => alerts(filter, { severity }),
  owasp: (filter: DashboardFilter, owasp: string) => alerts(filter, { owasp }),
  owner: (filter: DashboardFilter, ownerUserId: string) => alerts(filter, { owner: ownerUserId }),
};

/** The link as a URL, in the router's encoding (JSON for lists and numbers, plain text for strings). */
export function hrefOf(link: DashboardLink): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(link.search)) {
    if (value === undefined) continue;
    params.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const query = params.toString();
  return query ? `${link.to}?${query}` : link.to;
}
