import { randomBytes } from 'node:crypto';
import { onTestFinished } from 'vitest';
import {
  basicAuth,
  type FakeReply,
  sendSignedWebhook,
  signedWebhook,
  startTrackerServer,
} from './fake-tracker-http.ts';

type FakeRecord = Record<string, string> & { sys_id: string; number: string; state: string };

/** ServiceNow's glide date-time, UTC: 2026-12-05 23:10:00. */
const glideTime = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');

export interface FakeServiceNowOptions {
  table?: string;
  username?: string;
  password?: string;
  /** The most records a page holds, whatever sysparm_limit asks. */
  pageSize?: number;
}

/**
 * A local ServiceNow Table API for the calls the hub makes, in the documented shapes: POST
 * /api/now/table/<table> → 201 {result: record}; GET with sysparm_query (field=value, STARTSWITH,
 * >=, ORDERBY / ORDERBYDESC joined by ^), sysparm_limit and sysparm_offset → {result: [...]}; GET and
 * PATCH /api/now/table/<table>/<sys_id> → {result}; work_notes appended to the journal. Basic auth.
 * Tests resolve or close records as a person would and send signed outbound REST calls.
 */
export async function startFakeServiceNow(options: FakeServiceNowOptions = {}) {
  const table = options.table ?? 'incident';
  const username = options.username ?? 'nhi.integration';
  const password = options.password ?? 'snow-password-0123456789';
  const records: FakeRecord[] = [];
  const workNotes = new Map<string, string[]>();
  let offsetMs = 0;
  let pageSize = options.pageSize ?? 10_000;
  const now = () => new Date(Date.now() + offsetMs);

  const stamp = (record: FakeRecord) => {
    record.sys_updated_on = glideTime(now());
    record.sys_mod_count = String(Number(record.sys_mod_count ?? '0') + 1);
  };

  function query(text: string): FakeRecord[] {
    let found = [...records];
    for (const part of text.split('^').filter(Boolean)) {
      const order = /^ORDERBY(DESC)?(\w+)$/.exec(part);
      const starts = /^(\w+)STARTSWITH(.*)$/.exec(part);
      const atLeast = /^(\w+)>=(.*)$/.exec(part);
      const equals = /^(\w+)=(.*)$/.exec(part);
      if (order) {
        const field = order[2] ?? '';
        found.sort((a, b) => (a[field] ?? '').localeCompare(b[field] ?? '') * (order[1] ? -1 : 1));
      } else if (starts) found = found.filter((r) => (r[starts[1] ?? ''] ?? '').startsWith(starts[2] ?? ''));
      else if (atLeast) found = found.filter((r) => (r[atLeast[1] ?? ''] ?? '') >= (atLeast[2] ?? ''));
      else if (equals) found = found.filter((r) => r[equals[1] ?? ''] === equals[2]);
      else throw new Error(`The fake does not understand ${part}`);
    }
    return found;
  }

  const pick = (record: FakeRecord, fields: string | null) =>
    fields ? Object.fromEntries(fields.split(',').map((f) => [f, record[f] ?? ''])) : record;

  function handle(
    exchange: { method: string; headers: Record<string, unknown>; body: string },
    url: URL,
  ): FakeReply {
    const auth = basicAuth(exchange.headers.authorization as string | undefined);
    if (auth?.user !== username || auth.password !== password)
      return {
        status: 401,
        body: {
          error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
          status: 'failure',
        },
      };
    const match = new RegExp(`^/api/now/table/${table}(?:/([0-9a-f]{32}))?$`).exec(url.pathname);
    if (!match) return { status: 400, body: { error: { message: 'Invalid table' }, status: 'failure' } };
    const body = exchange.body ? (JSON.parse(exchange.body) as Record<string, string>) : {};
    const id = match[1];
    const fields = url.searchParams.get('sysparm_fields');
    if (!id && exchange.method === 'POST') {
      const record: FakeRecord = {
        ...body,
        work_notes: '',
        sys_id: randomBytes(16).toString('hex'),
        number: `INC${String(10001 + records.length).padStart(7, '0')}`,
        state: '1',
        sys_created_on: glideTime(now()),
        sys_updated_on: glideTime(now()),
        sys_mod_count: '0',
      };
      if (body.work_notes) workNotes.set(record.sys_id, [body.work_notes]);
      records.push(record);
      return { status: 201, body: { result: record } };
    }
    if (!id && exchange.method === 'GET') {
      const limit = Math.min(Number(url.searchParams.get('sysparm_limit') ?? 10_000), pageSize);
      const offset = Number(url.searchParams.get('sysparm_offset') ?? 0);
      const found = query(url.searchParams.get('sysparm_query') ?? '');
      return {
        status: 200,
        body: { result: found.slice(offset, offset + limit).map((r) => pick(r, fields)) },
      };
    }
    const record = records.find((r) => r.sys_id === id);
    if (!record) return { status: 404, body: { error: { message: 'No Record found' }, status: 'failure' } };
    if (exchange.method === 'GET') return { status: 200, body: { result: pick(record, fields) } };
    if (exchange.method === 'PATCH' || exchange.method === 'PUT') {
      const { work_notes: note, ...changes } = body;
      if (note) workNotes.set(record.sys_id, [...(workNotes.get(record.sys_id) ?? []), note]);
      Object.assign(record, changes);
      stamp(record);
      return { status: 200, body: { result: record } };
    }
    return { status: 405, body: { error: { message: 'Method not Supported' }, status: 'failure' } };
  }

  const server = await startTrackerServer((exchange, url) => handle(exchange, url));
  onTestFinished(() => server.close());
  const byNumber = (number: string) => {
    const record = records.find((r) => r.number === number);
    if (!record) throw new Error(`No record ${number}`);
    return record;
  };
  /** What a business rule's outbound REST message carries: fields of `current`, named in its content. */
  const messageOf = (number: string) => {
    const record = byNumber(number);
    return {
      sys_id: record.sys_id,
      number: record.number,
      state: record.state,
      sys_updated_on: record.sys_updated_on,
    };
  };
  return {
    ...server,
    instanceUrl: server.baseUrl,
    table,
    username,
    password,
    records,
    workNotes,
    advanceSeconds: (seconds: number) => {
      offsetMs += seconds * 1000;
    },
    setPageSize: (size: number) => {
      pageSize = size;
    },
    /** A person resolves (6) or closes (7) the record in ServiceNow. */
    close: (number: string, state = '7') => {
      const record = byNumber(number);
      record.state = state;
      stamp(record);
      return record;
    },
    /** An outbound REST message with the record, signed with the secret. */
    sendWebhook: (url: string, secret: string, number: string) =>
      sendSignedWebhook(url, secret, messageOf(number)),
    /** The body and signature of that message, unsent. */
    signedWebhook: (secret: string, number: string) => signedWebhook(secret, messageOf(number)),
  };
}

export type FakeServiceNow = Awaited<ReturnType<typeof startFakeServiceNow>>;
