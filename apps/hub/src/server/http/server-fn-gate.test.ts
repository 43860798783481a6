import { toJSONAsync } from 'seroval';
import { describe, expect, it } from 'vitest';
import { limitRequestBody } from './body-limit.ts';
import { createServerFnGate } from './server-fn-gate.ts';

const callUrl = 'http://hub.test/_serverFn/abc123';
const ownPage = { 'sec-fetch-site': 'same-origin' };
const gate = createServerFnGate({ knows: async (id) => id === 'abc123' });

/** A payload as the browser's serverFn fetcher writes it. */
async function payloadOf(data: unknown): Promise<string> {
  return JSON.stringify(await toJSONAsync({ data }));
}

async function send(request: Request) {
  let reachedStart: Request | undefined;
  const response = await gate(request, (passed) => {
    reachedStart = passed;
    return new Response('served');
  });
  return { response, reachedStart, text: await response.text() };
}

function post(body: string | undefined, contentType?: string) {
  return new Request(callUrl, {
    method: 'POST',
    headers: contentType ? { ...ownPage, 'content-type': contentType } : ownPage,
    body,
  });
}

describe('the serverFn gate', () => {
  it.each([
    { case: 'an empty object', body: '{}', contentType: 'application/json' },
    { case: 'an empty body', body: '', contentType: 'application/json' },
    { case: 'null', body: 'null', contentType: 'application/json' },
    { case: 'invalid JSON', body: '{"t":', contentType: 'application/json' },
    { case: 'plain JSON data', body: '{"data":{"email":"a@b.c"}}', contentType: 'application/json' },
    {
      case: 'a node of no known type',
      body: '{"t":{"t":999},"f":63,"m":[]}',
      contentType: 'application/json',
    },
    { case: 'a form post', body: 'a=1', contentType: 'application/x-www-form-urlencoded' },
    { case: 'a multipart body', body: 'garbage', contentType: 'multipart/form-data; boundary=x' },
    { case: 'text under another type', body: 'hello', contentType: 'text/plain' },
  ])('refuses $case with a plain 400 before Start sees it', async ({ body, contentType }) => {
    const { response, reachedStart, text } = await send(post(body, contentType));

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(text)).toEqual({
      error: { code: 'BAD_REQUEST', message: expect.any(String) },
      requestId: expect.any(String),
    });
    expect(reachedStart).toBeUndefined();
  });

  it('refuses a GET call whose payload does not decode', async () => {
    const { response, reachedStart } = await send(
      new Request(`${callUrl}?payload=${encodeURIComponent('{}')}`, { headers: ownPage }),
    );

    expect(response.status).toBe(400);
    expect(reachedStart).toBeUndefined();
  });

  it.each([
    {
      case: 'a payload of nested data with dates',
      body: async () => payloadOf({ a: [1, 'x'], at: new Date(0) }),
    },
    { case: 'a payload without data', body: async () => JSON.stringify(await toJSONAsync({})) },
  ])('passes $case on to Start with its body intact', async ({ body }) => {
    const sent = await body();

    const { response, reachedStart } = await send(post(sent, 'application/json'));

    expect(response.status).toBe(200);
    expect(await reachedStart?.text()).toBe(sent);
  });

  it('reads a size-limited body once and lets Start read it again', async () => {
    const sent = await payloadOf({ name: 'x' });
    const limited = limitRequestBody(post(sent, 'application/json'), 1024 * 1024);

    const { response, reachedStart } = await send(limited.request);

    expect(response.status).toBe(200);
    expect(await reachedStart?.json()).toEqual(JSON.parse(sent));
    expect(reachedStart?.headers.get('sec-fetch-site')).toBe('same-origin');
  });

  it.each([
    { case: 'a POST without a body', request: () => post(undefined) },
    { case: 'a GET without payload', request: () => new Request(callUrl, { headers: ownPage }) },
    {
      case: 'a GET with a payload that decodes',
      request: async () =>
        new Request(`${callUrl}?payload=${encodeURIComponent(await payloadOf({ id: 'x' }))}`, {
          headers: ownPage,
        }),
    },
    {
      case: 'a request that is no serverFn call',
      request: () => new Request('http://hub.test/api/trpc/x', { method: 'POST', body: '{}' }),
    },
    {
      case: 'a malformed call from another site, for Start to refuse',
      request: () =>
        new Request(callUrl, {
          method: 'POST',
          headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
          body: '{}',
        }),
    },
  ])('passes $case on to Start', async ({ request }) => {
    const { reachedStart } = await send(await request());

    expect(reachedStart).toBeDefined();
  });

  it.each([
    { case: 'an unknown id', url: 'http://hub.test/_serverFn/no-such-function' },
    { case: 'no id at all', url: 'http://hub.test/_serverFn/' },
  ])('answers a call with $case with a plain 404', async ({ url }) => {
    const { response, reachedStart, text } = await send(
      new Request(url, {
        method: 'POST',
        headers: { ...ownPage, 'content-type': 'application/json' },
        body: '{}',
      }),
    );

    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(reachedStart).toBeUndefined();
  });
});
