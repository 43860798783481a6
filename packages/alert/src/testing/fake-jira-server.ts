import { onTestFinished } from 'vitest';
import {
  basicAuth,
  type FakeReply,
  sendSignedWebhook,
  signedWebhook,
  startTrackerServer,
} from './fake-tracker-http.ts';

export interface FakeIssue {
  id: string;
  key: string;
  summary: string;
  description: unknown;
  labels: string[];
  issueType: string;
  status: 'To Do' | 'In Progress' | 'Done';
  comments: unknown[];
  created: Date;
  updated: Date;
}

const categoryOf = (status: FakeIssue['status']) =>
  status === 'Done'
    ? { id: 3, key: 'done', name: 'Done' }
    : status === 'To Do'
      ? { id: 2, key: 'new', name: 'To Do' }
      : { id: 4, key: 'indeterminate', name: 'In Progress' };

/** Jira's timestamp format: 2026-12-05T23:10:00.000+0000. */
const jiraTime = (at: Date) => at.toISOString().replace('Z', '+0000');

const workflow = [
  { id: '11', name: 'To Do', status: 'To Do' },
  { id: '21', name: 'Start progress', status: 'In Progress' },
  { id: '31', name: 'Done', status: 'Done' },
] as const;

export interface FakeJiraOptions {
  flavour?: 'cloud' | 'datacenter';
  projectKey?: string;
  email?: string;
  token?: string;
  /** The most issues a search page holds, whatever maxResults asks (Jira may return fewer). */
  pageSize?: number;
  /** A Jira moved to a new address: it starts with copies of these issues, and numbers on after them. */
  issues?: readonly FakeIssue[];
}

/**
 * A local Jira (Cloud REST v3 or Data Center REST v2) for the calls the hub makes, in the documented
 * shapes: POST /issue → 201 {id,key,self}; GET /issue/{key}; GET/POST /issue/{key}/transitions;
 * POST /issue/{key}/comment; Cloud's POST /search/jql {issues,nextPageToken} and Data Center's
 * POST /search {startAt,maxResults,total,issues}. Cloud checks basic auth (email + API token), Data
 * Center a bearer personal access token. JQL: the `labels = x`, `updated >= "yyyy-MM-dd HH:mm"` and
 * ORDER BY the hub writes. Tests close issues as a person would and send signed webhooks.
 */
export async function startFakeJira(options: FakeJiraOptions = {}) {
  const flavour = options.flavour ?? 'cloud';
  const projectKey = options.projectKey ?? 'SEC';
  const email = options.email ?? 'bot@example.com';
  const token = options.token ?? 'jira-api-token-0123456789';
  const version = flavour === 'cloud' ? 3 : 2;
  const issues: FakeIssue[] = (options.issues ?? []).map((issue) => structuredClone(issue));
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  let serial = issues.length;
  let pageSize = options.pageSize ?? 50;

  const authorised = (header: string | undefined) => {
    if (flavour === 'datacenter') return header === `Bearer ${token}`;
    const basic = basicAuth(header);
    return basic?.user === email && basic.password === token;
  };

  const find = (idOrKey: string) => issues.find((i) => i.id === idOrKey || i.key === idOrKey);
  let baseUrl = '';
  const view = (issue: FakeIssue) => ({
    id: issue.id,
    key: issue.key,
    self: `${baseUrl}/rest/api/${version}/issue/${issue.id}`,
    fields: {
      summary: issue.summary,
      description: issue.description,
      labels: issue.labels,
      issuetype: { name: issue.issueType },
      status: { name: issue.status, statusCategory: categoryOf(issue.status) },
      created: jiraTime(issue.created),
      updated: jiraTime(issue.updated),
    },
  });

  function matches(jql: string): FakeIssue[] {
    const [where = '', order = ''] = jql.split(/ ORDER BY /i);
    let found = [...issues];
    for (const clause of where.split(/ AND /i)) {
      const label = /^\s*labels\s*=\s*"?([^"\s]+)"?\s*$/.exec(clause);
      const since = /^\s*updated\s*>=\s*"(\d{4}-\d\d-\d\d \d\d:\d\d)"\s*$/.exec(clause);
      if (label) found = found.filter((i) => i.labels.includes(label[1] ?? ''));
      else if (since) {
        const from = new Date(`${(since[1] ?? '').replace(' ', 'T')}:00Z`).getTime();
        found = found.filter((i) => i.updated.getTime() >= from);
      } else if (clause.trim()) throw new Error(`The fake does not understand JQL clause ${clause}`);
    }
    if (/updated/i.test(order)) found.sort((a, b) => a.updated.getTime() - b.updated.getTime());
    return found;
  }

  function handle(
    exchange: { method: string; headers: Record<string, unknown>; body: string },
    url: URL,
  ): FakeReply {
    if (!authorised(exchange.headers.authorization as string | undefined))
      return { status: 401, body: { errorMessages: ['You are not authenticated.'] } };
    const prefix = `/rest/api/${version}`;
    if (!url.pathname.startsWith(prefix)) return { status: 404, body: { errorMessages: ['Not found'] } };
    const path = url.pathname.slice(prefix.length);
    const body = exchange.body ? JSON.parse(exchange.body) : {};
    if (exchange.method === 'POST' && path === '/issue') return createIssue(body);
    if (exchange.method === 'POST' && (path === '/search/jql' || path === '/search'))
      return search(body, path === '/search/jql');
    const match = /^\/issue\/([^/]+)(\/transitions|\/comment)?$/.exec(path);
    const issue = match ? find(decodeURIComponent(match[1] ?? '')) : undefined;
    if (!match || !issue)
      return {
        status: 404,
        body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] },
      };
    if (!match[2] && exchange.method === 'GET') {
      // `fields=status,updated`: only those fields come back, as Jira does.
      const { fields, ...rest } = view(issue);
      const wanted = url.searchParams.get('fields')?.split(',');
      const picked = wanted
        ? Object.fromEntries(Object.entries(fields).filter(([name]) => wanted.includes(name)))
        : fields;
      return { status: 200, body: { ...rest, fields: picked } };
    }
    if (match[2] === '/comment' && exchange.method === 'POST') {
      issue.comments.push(body.body);
      issue.updated = now();
      return { status: 201, body: { id: String(issue.comments.length), body: body.body } };
    }
    if (match[2] === '/transitions' && exchange.method === 'GET')
      return {
        status: 200,
        body: {
          transitions: workflow
            .filter((t) => t.status !== issue.status)
            .map((t) => ({
              id: t.id,
              name: t.name,
              to: { name: t.status, statusCategory: categoryOf(t.status) },
            })),
        },
      };
    if (match[2] === '/transitions' && exchange.method === 'POST') {
      const step = workflow.find((t) => t.id === body.transition?.id);
      if (!step) return { status: 400, body: { errorMessages: ['Transition id is not valid.'] } };
      issue.status = step.status;
      issue.updated = now();
      return { status: 204 };
    }
    return { status: 405, body: { errorMessages: ['Method not allowed'] } };
  }

  function createIssue(body: { fields?: Record<string, unknown> }): FakeReply {
    const fields = body.fields ?? {};
    const project = (fields.project as { key?: string } | undefined)?.key;
    const errors: Record<string, string> = {};
    if (project !== projectKey) errors.project = 'valid project is required';
    if (typeof fields.summary !== 'string' || !fields.summary)
      errors.summary = 'You must specify a summary of the issue.';
    if (!(fields.issuetype as { name?: string } | undefined)?.name)
      errors.issuetype = 'issue type is required';
    if (flavour === 'cloud' && fields.description && (fields.description as { type?: string }).type !== 'doc')
      errors.description = 'Operation value must be an Atlassian Document.';
    if (Object.keys(errors).length > 0) return { status: 400, body: { errorMessages: [], errors } };
    serial += 1;
    const issue: FakeIssue = {
      id: String(10000 + serial),
      key: `${projectKey}-${serial}`,
      summary: String(fields.summary),
      description: fields.description,
      labels: (fields.labels as string[] | undefined) ?? [],
      issueType: String((fields.issuetype as { name: string }).name),
      status: 'To Do',
      comments: [],
      created: now(),
      updated: now(),
    };
    issues.push(issue);
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${baseUrl}/rest/api/${version}/issue/${issue.id}` },
    };
  }

  function search(
    body: { jql?: string; maxResults?: number; nextPageToken?: string; startAt?: number },
    cloud: boolean,
  ): FakeReply {
    const found = matches(body.jql ?? '');
    const size = Math.min(body.maxResults ?? 50, pageSize);
    if (cloud) {
      const start = body.nextPageToken ? Number(Buffer.from(body.nextPageToken, 'base64url').toString()) : 0;
      const page = found.slice(start, start + size);
      const more = start + size < found.length;
      return {
        status: 200,
        body: {
          issues: page.map(view),
          isLast: !more,
          ...(more ? { nextPageToken: Buffer.from(String(start + size)).toString('base64url') } : {}),
        },
      };
    }
    const startAt = body.startAt ?? 0;
    return {
      status: 200,
      body: {
        startAt,
        maxResults: size,
        total: found.length,
        issues: found.slice(startAt, startAt + size).map(view),
      },
    };
  }

  /** Jira's `jira:issue_updated` event: the issue as GET /issue shows it, with who and when. */
  function webhookOf(key: string) {
    const issue = find(key);
    if (!issue) throw new Error(`No issue ${key}`);
    return {
      timestamp: Date.now(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: { accountId: '557058:0b5c2f8e', displayName: 'Security Lead' },
      issue: view(issue),
    };
  }

  const server = await startTrackerServer((exchange, url) => handle(exchange, url));
  baseUrl = server.baseUrl;
  onTestFinished(() => server.close());
  return {
    ...server,
    flavour,
    projectKey,
    email,
    token,
    issues,
    /** Later updates happen this much later (the tracker's clock). */
    advanceMinutes: (minutes: number) => {
      offsetMs += minutes * 60_000;
    },
    setPageSize: (size: number) => {
      pageSize = size;
    },
    /** A person closes the issue in Jira. */
    close: (key: string) => {
      const issue = find(key);
      if (!issue) throw new Error(`No issue ${key}`);
      issue.status = 'Done';
      issue.updated = now();
      return issue;
    },
    /** Jira's issue_updated webhook for the issue, signed with the secret. */
    sendWebhook: (url: string, secret: string, key: string) => sendSignedWebhook(url, secret, webhookOf(key)),
    /** The body and signature of that webhook, unsent. */
    signedWebhook: (secret: string, key: string) => signedWebhook(secret, webhookOf(key)),
  };
}

export type FakeJira = Awaited<ReturnType<typeof startFakeJira>>;
