import { createHash } from 'node:crypto';
import { evidenceLines } from './alert-explanation.ts';
import { type AlertNotice, linkOf, titleOf } from './alert-message.ts';
import { alertRuleOf } from './alert-rules.ts';

/** A ticket as the tracker shows it. */
export interface TrackerTicket {
  externalId: string;
  externalKey: string;
  url: string;
  status: string;
  done: boolean;
  /** The tracker's own last-update time, as its queries take it back (the poll cursor). */
  updated: string;
}

/** A page of tickets updated since a cursor; `next` asks for the following page. */
export interface TrackerPage {
  tickets: TrackerTicket[];
  next: string | null;
}

/** What a new ticket says: the rule's explanation, the evidence (secret-free), the fix, the owner, the link. */
export interface TicketContent {
  notice: AlertNotice;
  fingerprint: string;
  hubUrl?: string;
  realmSlug?: string;
}

export interface TrackerClient {
  /** The ticket already made for this fingerprint, if any: a create whose answer was lost. */
  find(fingerprint: string): Promise<TrackerTicket | null>;
  create(content: TicketContent): Promise<TrackerTicket>;
  comment(externalId: string, text: string): Promise<void>;
  /** Comments and moves the ticket to done. */
  close(externalId: string, text: string): Promise<void>;
  updatedSince(cursor: string | null, page: string | null): Promise<TrackerPage>;
  /** One ticket by the tracker's id, as it is now; null when the tracker has none (deleted, or hidden). */
  get(externalId: string): Promise<TrackerTicket | null>;
}

/** A tracker's refusal; `status` is its HTTP status (absent when it could not be reached). */
export class TrackerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The label (Jira) or correlation id (ServiceNow) a ticket carries: the same for the same fingerprint. */
export function ticketTag(fingerprint: string): string {
  return `nhi-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 32)}`;
}
/** Every ticket of the hub carries this label (Jira), so the poll asks for the hub's tickets only. */
export const hubLabel = 'nhi-hub';

const timeoutMs = 10_000;
/** A tracker's address as its ticket links start: without trailing slashes. */
export const trim = (url: string) => url.replace(/\/+$/, '');

interface JiraSettings {
  baseUrl: string;
  flavour: 'cloud' | 'datacenter';
  projectKey: string;
  issueType: string;
  email?: string;
  doneTransition: string;
}

interface ServiceNowSettings {
  instanceUrl: string;
  table: string;
  username: string;
  assignmentGroup?: string;
  resolvedState: string;
  closeCode: string;
}

/** The tracker secret: its credential and the webhook secret, sealed together as one JSON value. */
export interface TrackerSecret {
  token: string;
  webhookSecret?: string;
}

/** The text a tracker secret is sealed as; `openTrackerSecret` reads it back. */
export function trackerSecretText(secret: TrackerSecret): string {
  return JSON.stringify({ token: secret.token, webhookSecret: secret.webhookSecret });
}

export function openTrackerSecret(secret: string | null): TrackerSecret {
  if (!secret) return { token: '' };
  try {
    return JSON.parse(secret) as TrackerSecret;
  } catch {
    return { token: '' };
  }
}

export function trackerClient(
  type: 'jira' | 'servicenow',
  settings: Record<string, unknown>,
  secret: TrackerSecret,
): TrackerClient {
  return type === 'jira'
    ? new JiraClient(settings as unknown as JiraSettings, secret.token)
    : new ServiceNowClient(settings as unknown as ServiceNowSettings, secret.token);
}

async function call(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { accept: 'application/json', 'content-type': 'application/json', ...init.headers },
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new TrackerError(
      `${(error as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`.slice(0, 500),
    );
  }
  const text = await response.text().catch(() => '');
  // The tracker's error text, never the request: it carries no credential of ours.
  if (!response.ok) throw new TrackerError(`HTTP ${response.status} ${text.slice(0, 300)}`, response.status);
  return text ? JSON.parse(text) : null;
}

/** A tracker's 404 for one ticket: it has none by that id (deleted, or not visible to the account). */
async function absentAsNull(answer: Promise<unknown>): Promise<unknown> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof TrackerError && error.status === 404) return null;
    throw error;
  }
}

function descriptionLines({ notice, hubUrl, realmSlug }: TicketContent): string[] {
  const rule = alertRuleOf(notice.ruleId);
  const link = linkOf(notice, hubUrl, realmSlug);
  return [
    rule?.explanation ?? '',
    ...evidenceLines(notice.evidence, 20).map((line) => `- ${line}`),
    rule?.remediation ? `What to do: ${rule.remediation}` : '',
    `Identity: ${notice.nhi ?? notice.subject}${notice.environment ? ` (${notice.environment})` : ''}`,
    `Owner: ${notice.owner ?? 'none'}`,
    `Severity: ${notice.severity}; OWASP ${notice.owaspId}; rule ${notice.ruleId}`,
    link ? `In NHI Hub: ${link}` : '',
  ].filter((line) => line !== '');
}

const summaryOf = (notice: AlertNotice) =>
  `[NHI Hub] [${notice.severity.toUpperCase()}] ${titleOf(notice)} on ${notice.nhi ?? notice.subject}`.slice(
    0,
    250,
  );

/** Atlassian Document Format: one paragraph per line. */
function adf(lines: string[]) {
  return {
    type: 'doc',
    version: 1,
    content: lines.map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] })),
  };
}

interface JiraIssue {
  id: string;
  key: string;
  fields?: { status?: { name?: string; statusCategory?: { key?: string } }; updated?: string };
}

/**
 * Both trackers read a date in a query in the time zone of the account that asks, which the hub
 * does not know: the query starts this much before the cursor (every zone is within 14 hours of UTC,
 * and one ahead only widens the window). Tickets seen again change nothing.
 */
const zoneMarginMs = 14 * 3_600_000;

/** A cursor (Jira `2026-12-05T23:10:00.000+0000`, ServiceNow `2026-12-05 23:10:00`, UTC) less the margin. */
function sinceOf(cursor: string): Date | null {
  const at = new Date(
    cursor.includes('T') ? cursor.replace(/([+-]\d\d)(\d\d)$/, '$1:$2') : `${cursor.replace(' ', 'T')}Z`,
  );
  return Number.isNaN(at.getTime()) ? null : new Date(at.getTime() - zoneMarginMs);
}

/** As JQL takes a time: "2026-12-05 09:10". */
const jqlTime = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');
/** As ServiceNow's encoded query takes a time: 2026-12-05 09:10:00. */
const glideTime = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');

/**
 * Jira Cloud (REST v3: basic auth with the account's email and an API token, ADF bodies, enhanced
 * search /search/jql paged by nextPageToken) or Data Center (REST v2: a personal access token as
 * bearer, plain text bodies, /search paged by startAt).
 */
class JiraClient implements TrackerClient {
  private readonly api: string;
  private readonly auth: string;

  constructor(
    private readonly settings: JiraSettings,
    token: string,
  ) {
    const cloud = settings.flavour !== 'datacenter';
    this.api = `${trim(settings.baseUrl)}/rest/api/${cloud ? 3 : 2}`;
    this.auth = cloud
      ? `Basic ${Buffer.from(`${settings.email ?? ''}:${token}`).toString('base64')}`
      : `Bearer ${token}`;
  }

  private get cloud() {
    return this.settings.flavour !== 'datacenter';
  }

  private request(path: string, method = 'GET', body?: unknown) {
    return call(`${this.api}${path}`, {
      method,
      headers: { authorization: this.auth },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private ticketOf(issue: JiraIssue): TrackerTicket {
    return {
      externalId: issue.id,
      externalKey: issue.key,
      url: `${trim(this.settings.baseUrl)}/browse/${issue.key}`,
      status: issue.fields?.status?.name ?? 'Open',
      done: issue.fields?.status?.statusCategory?.key === 'done',
      updated: issue.fields?.updated ?? '',
    };
  }

  private async search(jql: string, page: string | null): Promise<TrackerPage> {
    const fields = ['status', 'updated'];
    if (this.cloud) {
      const answer = (await this.request('/search/jql', 'POST', {
        jql,
        fields,
        maxResults: 50,
        ...(page ? { nextPageToken: page } : {}),
      })) as { issues?: JiraIssue[]; nextPageToken?: string };
      return {
        tickets: (answer.issues ?? []).map((i) => this.ticketOf(i)),
        next: answer.nextPageToken ?? null,
      };
    }
    const startAt = Number(page ?? 0);
    const answer = (await this.request('/search', 'POST', { jql, fields, startAt, maxResults: 50 })) as {
      issues?: JiraIssue[];
      total?: number;
    };
    const issues = answer.issues ?? [];
    const next = startAt + issues.length < (answer.total ?? 0) && issues.length > 0;
    return {
      tickets: issues.map((i) => this.ticketOf(i)),
      next: next ? String(startAt + issues.length) : null,
    };
  }

  async find(fingerprint: string): Promise<TrackerTicket | null> {
    const { tickets } = await this.search(`labels = "${ticketTag(fingerprint)}" ORDER BY created ASC`, null);
    return tickets[0] ?? null;
  }

  async create(content: TicketContent): Promise<TrackerTicket> {
    const lines = descriptionLines(content);
    const created = (await this.request('/issue', 'POST', {
      fields: {
        project: { key: this.settings.projectKey },
        issuetype: { name: this.settings.issueType },
        summary: summaryOf(content.notice),
        description: this.cloud ? adf(lines) : lines.join('\n'),
        labels: [hubLabel, ticketTag(content.fingerprint), `owasp-${content.notice.owaspId.toLowerCase()}`],
      },
    })) as { id: string; key: string };
    return this.ticketOf({ id: created.id, key: created.key, fields: { status: { name: 'To Do' } } });
  }

  async comment(externalId: string, text: string): Promise<void> {
    await this.request(`/issue/${encodeURIComponent(externalId)}/comment`, 'POST', {
      body: this.cloud ? adf([text]) : text,
    });
  }

  async close(externalId: string, text: string): Promise<void> {
    await this.comment(externalId, text);
    const path = `/issue/${encodeURIComponent(externalId)}/transitions`;
    const { transitions = [] } = (await this.request(path)) as {
      transitions?: { id: string; name: string; to?: { statusCategory?: { key?: string } } }[];
    };
    const wanted = this.settings.doneTransition.toLowerCase();
    const done =
      transitions.find((t) => t.name.toLowerCase() === wanted) ??
      transitions.find((t) => t.to?.statusCategory?.key === 'done');
    // No way to done from here (already done, or a workflow without one): the comment says it.
    if (done) await this.request(path, 'POST', { transition: { id: done.id } });
  }

  updatedSince(cursor: string | null, page: string | null): Promise<TrackerPage> {
    const from = cursor ? sinceOf(cursor) : null;
    const since = from ? ` AND updated >= "${jqlTime(from)}"` : '';
    return this.search(`labels = ${hubLabel}${since} ORDER BY updated ASC`, page);
  }

  async get(externalId: string): Promise<TrackerTicket | null> {
    const issue = await absentAsNull(
      this.request(`/issue/${encodeURIComponent(externalId)}?fields=status,updated`),
    );
    return issue ? this.ticketOf(issue as JiraIssue) : null;
  }
}

interface ServiceNowRecord {
  sys_id: string;
  number: string;
  state: string;
  sys_updated_on: string;
}

const incidentStates: Record<string, string> = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
};

/** ServiceNow Table API with basic auth; the record's correlation_id ties it to the alert's fingerprint. */
class ServiceNowClient implements TrackerClient {
  private readonly api: string;
  private readonly auth: string;

  constructor(
    private readonly settings: ServiceNowSettings,
    password: string,
  ) {
    this.api = `${trim(settings.instanceUrl)}/api/now/table/${settings.table}`;
    this.auth = `Basic ${Buffer.from(`${settings.username}:${password}`).toString('base64')}`;
  }

  private request(path: string, method = 'GET', body?: unknown) {
    return call(`${this.api}${path}`, {
      method,
      headers: { authorization: this.auth },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  private ticketOf(record: ServiceNowRecord): TrackerTicket {
    const done = [this.settings.resolvedState, '7', '8'].includes(record.state);
    return {
      externalId: record.sys_id,
      externalKey: record.number,
      url: `${trim(this.settings.instanceUrl)}/nav_to.do?uri=${this.settings.table}.do?sys_id=${record.sys_id}`,
      status: incidentStates[record.state] ?? record.state,
      done,
      updated: record.sys_updated_on,
    };
  }

  private async query(query: string, offset: number, limit: number) {
    const params = new URLSearchParams({
      sysparm_query: query,
      sysparm_fields: 'sys_id,number,state,sys_updated_on',
      sysparm_limit: String(limit),
      sysparm_offset: String(offset),
    });
    const answer = (await this.request(`?${params}`)) as { result?: ServiceNowRecord[] };
    return answer.result ?? [];
  }

  async find(fingerprint: string): Promise<TrackerTicket | null> {
    const [record] = await this.query(`correlation_id=${ticketTag(fingerprint)}^ORDERBYsys_created_on`, 0, 1);
    return record ? this.ticketOf(record) : null;
  }

  async create(content: TicketContent): Promise<TrackerTicket> {
    const severity = content.notice.severity;
    const level = severity === 'critical' ? '1' : severity === 'high' ? '2' : '3';
    const { result } = (await this.request('', 'POST', {
      short_description: summaryOf(content.notice),
      description: descriptionLines(content).join('\n'),
      correlation_id: ticketTag(content.fingerprint),
      correlation_display: 'NHI Hub',
      category: 'security',
      impact: level,
      urgency: level,
      ...(this.settings.assignmentGroup ? { assignment_group: this.settings.assignmentGroup } : {}),
    })) as { result: ServiceNowRecord };
    return this.ticketOf(result);
  }

  async comment(externalId: string, text: string): Promise<void> {
    await this.request(`/${encodeURIComponent(externalId)}`, 'PATCH', { work_notes: text });
  }

  async close(externalId: string, text: string): Promise<void> {
    await this.request(`/${encodeURIComponent(externalId)}`, 'PATCH', {
      work_notes: text,
      state: this.settings.resolvedState,
      close_code: this.settings.closeCode,
      close_notes: text,
    });
  }

  async updatedSince(cursor: string | null, page: string | null): Promise<TrackerPage> {
    const limit = 200;
    const offset = Number(page ?? 0);
    const from = cursor ? sinceOf(cursor) : null;
    const since = from ? `sys_updated_on>=${glideTime(from)}^` : '';
    const records = await this.query(
      `${since}correlation_idSTARTSWITHnhi-^ORDERBYsys_updated_on`,
      offset,
      limit,
    );
    // An instance may cap a page below sysparm_limit: go on until a page comes back empty.
    return {
      tickets: records.map((r) => this.ticketOf(r)),
      next: records.length > 0 ? String(offset + records.length) : null,
    };
  }

  async get(externalId: string): Promise<TrackerTicket | null> {
    const params = new URLSearchParams({ sysparm_fields: 'sys_id,number,state,sys_updated_on' });
    const answer = (await absentAsNull(this.request(`/${encodeURIComponent(externalId)}?${params}`))) as {
      result?: ServiceNowRecord;
    } | null;
    return answer?.result ? this.ticketOf(answer.result) : null;
  }
}
