import type { AlertSortKey, ListAlertsInput } from '@nhi/alert/schema';
import { nhiEnvironments, nhiProviders } from '@nhi/nhi/vocabulary';

// Values written out rather than imported from the schema module, which would load zod on every
// page; the types keep them in step with it.
export const alertStateChoices = ['open', 'acknowledged', 'suppressed', 'resolved', 'all'] as const;
export const severityChoices = ['critical', 'high', 'medium', 'low'] as const;
export const owaspIds = [
  'NHI1',
  'NHI2',
  'NHI3',
  'NHI4',
  'NHI5',
  'NHI6',
  'NHI7',
  'NHI8',
  'NHI9',
  'NHI10',
] as const;
export const alertSortKeys = [
  'changed',
  'severity',
  'risk',
  'firstSeen',
  'lastSeen',
  'identity',
] as const satisfies readonly AlertSortKey[];
/** The triage queue: what still needs someone (see alertQueueStates in the schema). */
const queueStates = ['open', 'acknowledged'] as const;

export { nhiEnvironments, nhiProviders };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The alert list's URL: filters (also the dashboard's links), sort, grouping and keyset paging. */
export type AlertSearch = {
  /** Absent: the triage queue (open and acknowledged). */
  state?: (typeof alertStateChoices)[number];
  severity?: (typeof severityChoices)[number];
  owasp?: (typeof owaspIds)[number];
  rule?: string;
  /** A member owning the identities, or a group (team) answering for them. */
  owner?: string;
  team?: string;
  environment?: (typeof nhiEnvironments)[number][];
  provider?: (typeof nhiProviders)[number][];
  /** Scanner source ids: alerts about identities they report. */
  source?: string[];
  /** One identity, by id (from its page or a group), or identities whose name contains the text. */
  nhi?: string;
  identity?: string;
  sort?: AlertSortKey;
  order?: 'asc' | 'desc';
  group?: 'rule' | 'identity';
  /** Keyset paging: the page after this alert, or the page before it. */
  after?: string;
  before?: string;
};

const idOf = (value: unknown) => (typeof value === 'string' && uuid.test(value) ? value : undefined);
const oneOf = <T extends string>(value: unknown, allowed: readonly T[]) =>
  allowed.find((option) => option === value);

function listOf<T extends string>(value: unknown, allowed: readonly T[]): T[] | undefined {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is T => allowed.includes(v as T));
  return values.length ? values : undefined;
}

function idsOf(value: unknown): string[] | undefined {
  const ids = (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && uuid.test(v),
  );
  return ids.length ? ids.slice(0, 50) : undefined;
}

function textOf(value: unknown, max: number): string | undefined {
  const text = typeof value === 'string' ? value.trim().slice(0, max) : '';
  return text || undefined;
}

/** Unknown or malformed values drop out: a hand-edited URL shows the list, not an error. */
export function validateAlertSearch(search: Record<string, unknown>): AlertSearch {
  return {
    state: oneOf(search.state, alertStateChoices),
    severity: oneOf(search.severity, severityChoices),
    owasp: oneOf(search.owasp, owaspIds),
    rule: textOf(search.rule, 100),
    owner: idOf(search.owner),
    team: idOf(search.team),
    environment: listOf(search.environment, nhiEnvironments),
    provider: listOf(search.provider, nhiProviders),
    source: idsOf(search.source),
    nhi: idOf(search.nhi),
    identity: textOf(search.identity, 200),
    sort: oneOf(search.sort, alertSortKeys),
    order: oneOf(search.order, ['asc', 'desc'] as const),
    group: oneOf(search.group, ['rule', 'identity'] as const),
    after: idOf(search.after),
    before: idOf(search.before),
  };
}

/** The list procedure's filter for the URL's: no state means the triage queue. */
export function alertFilterOf(search: AlertSearch) {
  return {
    states: search.state === 'all' ? undefined : search.state ? [search.state] : [...queueStates],
    severities: search.severity ? [search.severity] : undefined,
    owaspId: search.owasp,
    ruleId: search.rule,
    ownerUserId: search.owner,
    ownerGroupId: search.team,
    environments: search.environment,
    providers: search.provider,
    sources: search.source,
    nhiId: search.nhi,
    identity: search.identity,
  } satisfies ListAlertsInput;
}

/** The search without paging: a new filter, sort or grouping starts again from the first page. */
export function firstAlertPage(search: AlertSearch): AlertSearch {
  return { ...search, after: undefined, before: undefined };
}

export const sortLabels: Record<AlertSortKey, string> = {
  changed: 'Last change',
  severity: 'Severity',
  risk: 'Risk score',
  firstSeen: 'First seen',
  lastSeen: 'Last seen',
  identity: 'Identity',
};
