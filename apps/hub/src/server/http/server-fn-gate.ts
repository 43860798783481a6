import { isCsrfRequestAllowed } from '@tanstack/react-start';
import { fromJSON } from 'seroval';
import { currentRequestId } from './request-store.server.ts';
import { isServerFnCall, serverFnBase } from './server-fn-base.ts';

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface ServerFnGateOptions {
  /** Whether the build has a serverFn of this id (Start's own lookup). */
  knows(id: string): Promise<boolean>;
}

/**
 * Start looks a serverFn call's id up and decodes its payload (JSON, then Seroval) before any
 * code of ours runs, and answers an unknown id or a payload that does not decode with 500 and a
 * stack trace on standard error. So both are checked here first, the same way: an unknown id is
 * a plain 404, a payload that does not decode a plain 400. Decoding uses no Seroval plugins: the
 * hub's pages send plain data (objects, arrays, text, numbers, dates), and a payload holding
 * streams or other plugin values is refused too.
 */
export function createServerFnGate(options: ServerFnGateOptions) {
  return async function gate(request: Request, handle: FetchHandler): Promise<Response> {
    // Calls from other sites are Start's to refuse (403), before anything of theirs is read.
    if (!isServerFnCall(request) || !(await fromOurOwnPages(request))) return handle(request);
    const id = new URL(request.url).pathname.slice(serverFnBase.length).split('/')[0] ?? '';
    if (id === '' || !(await options.knows(id))) return refusal(404, 'NOT_FOUND', 'No such serverFn');
    const checked = await checkCall(request);
    return 'problem' in checked ? refusal(400, 'BAD_REQUEST', checked.problem) : handle(checked.request);
  };
}

type Checked = { request: Request } | { problem: string };

async function checkCall(request: Request): Promise<Checked> {
  const method = request.method.toUpperCase();
  if (method === 'GET') {
    const payload = new URL(request.url).searchParams.get('payload');
    const problem = payload === null || payload === '' ? undefined : problemWithPayload(payload);
    return problem ? { problem } : { request };
  }
  // Start answers other methods itself (405), without reading a body.
  if (method !== 'POST' || request.body === null) return { request };
  const contentType = request.headers.get('content-type') ?? '';
  if (
    contentType.includes('multipart/form-data') ||
    contentType.includes('application/x-www-form-urlencoded')
  ) {
    return { problem: 'The hub takes serverFn calls as application/json, not as form posts' };
  }
  // Read once (a size-limited body cannot be cloned); Start reads the same text after.
  const body = await request.text();
  if (!contentType.includes('application/json')) {
    // Start ignores such a body: an empty one is a call without data, anything else a mistake.
    return body === ''
      ? { request: withBody(request, body) }
      : { problem: 'A serverFn call with a body is sent as application/json' };
  }
  const problem = problemWithPayload(body);
  return problem ? { problem } : { request: withBody(request, body) };
}

const bodyMembers = new Set<string | symbol>([
  'body',
  'bodyUsed',
  'arrayBuffer',
  'blob',
  'bytes',
  'formData',
  'json',
  'text',
]);

/**
 * The request with its body, already read, readable again. The request object itself is kept (a
 * Proxy, not a copy): the server adapter hangs the client address and the abort signal on it.
 */
function withBody(request: Request, body: string): Request {
  let replay: Request | undefined;
  const readable = () => {
    replay ??= new Request(request.url, { method: request.method, headers: request.headers, body });
    return replay;
  };
  return new Proxy(request, {
    get(target, property) {
      if (property === 'clone') return () => withBody(target, body);
      const source = bodyMembers.has(property) ? readable() : target;
      const value: unknown = Reflect.get(source, property, source);
      return typeof value === 'function' ? value.bind(source) : value;
    },
  });
}

function problemWithPayload(text: string): string | undefined {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return 'The body is not valid JSON';
  }
  if (!isSerovalDocument(document)) return 'The body is not a serverFn payload';
  try {
    fromJSON(document);
  } catch {
    return 'The body is not a serverFn payload';
  }
  return undefined;
}

/** What Seroval's toJSON writes: the root node, the feature flags and the referenced ids. */
function isSerovalDocument(value: unknown): value is Parameters<typeof fromJSON>[0] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { t, f, m } = value as Record<string, unknown>;
  return (
    t !== null &&
    typeof t === 'object' &&
    typeof (t as { t?: unknown }).t === 'number' &&
    typeof f === 'number' &&
    Array.isArray(m)
  );
}

/** Start's own check, with the options the app gives its CSRF middleware (none). */
function fromOurOwnPages(request: Request): Promise<boolean> {
  return isCsrfRequestAllowed({}, { request } as Parameters<typeof isCsrfRequestAllowed>[1]);
}

function refusal(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message }, requestId: currentRequestId() }, { status });
}
