import { router } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { nhiRouter } from './nhi.procedures.ts';

/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ nhi: nhiRouter });

interface TrpcBody {
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  result: { data: any };
  error: {
    message: string;
    data: {
      code: string;
      zodIssues?: { path: (string | number)[]; message: string }[];
      details?: { issues?: { path: (string | number)[]; message: string }[] };
    };
  };
}

const dateOutOfRange = [
  '+275760-09-13T00:00:00.000Z',
  '+010000-01-01T00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
];

/** A cursor as the list encodes one, with whatever fields the test wants. */
function cursorOf(fields: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The path of the field a refusal names, whether the boundary or the schema refused. */
function refusedPaths(body: TrpcBody): string[] {
  const issues = body.error.data.details?.issues ?? body.error.data.zodIssues ?? [];
  return issues.map((issue) => issue.path.join('.'));
}

describeEachDatabase('nhi.* at the input boundary', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const bearer = await t.bearerOf(t.ana);

    async function call(path: string, input: unknown, method: 'GET' | 'POST' = 'POST') {
      const encoded = encodeURIComponent(JSON.stringify(input));
      const request = new Request(
        method === 'GET'
          ? `http://hub.test/api/trpc/nhi.${path}?input=${encoded}`
          : `http://hub.test/api/trpc/nhi.${path}`,
        {
          method,
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : JSON.stringify(input),
        },
      );
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: request,
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: t.root, requestId: 'req-input', req, resHeaders }),
      });
      const text = await response.text();
      return { status: response.status, text, body: JSON.parse(text) as TrpcBody };
    }

    async function names(): Promise<string[]> {
      const listed = await call('list', { limit: 500 }, 'GET');
      return listed.body.result.data.items.map((item: { name: string }) => item.name).sort();
    }

    return { ...t, call, names };
  }

  it.each([
    { case: 'NUL in the name', input: newNhi({ name: 'deploy\u0000bot' }), field: 'name' },
    {
      case: 'NUL in a metadata key',
      input: newNhi({ metadata: { 'team\u0000': 'x' } }),
      field: 'metadata.team',
    },
    {
      case: 'NUL in a permission',
      input: newNhi({ permissions: [{ action: 's3:Get\u0000Object', effect: 'allow' }] }),
      field: 'permissions.0.action',
    },
    {
      case: 'a lone surrogate in the description',
      input: newNhi({ description: 'a\udc00b' }),
      field: 'description',
    },
    {
      case: 'a lone surrogate in metadata',
      input: newNhi({ metadata: { note: ['\ud800'] } }),
      field: 'metadata.note.0',
    },
    ...dateOutOfRange.map((date) => ({
      case: `lastUsedAt ${date}`,
      input: { ...newNhi(), lastUsedAt: date },
      field: 'lastUsedAt',
    })),
  ])(
    'refuses nhi.create with $case as BAD_REQUEST naming the field, and stores nothing',
    async ({ input, field }) => {
      const t = await setup();

      const response = await t.call('create', input);

      expect(response.status).toBe(400);
      expect(response.body.error.data.code).toBe('BAD_REQUEST');
      expect(refusedPaths(response.body)).toEqual([field]);
      expect(response.text).not.toMatch(/prisma|invocation|22021|22P05|22008/i);
      expect(await t.names()).toEqual([]);
    },
  );

  it('accepts emoji, accents and valid surrogate pairs, and dates at both ends of the range', async () => {
    const t = await setup();

    const created = await t.call('create', {
      ...newNhi({ name: 'déploiement 🚀 機械', metadata: { '👩‍💻': 'ok' } }),
      providerCreatedAt: '0001-01-01T00:00:00.000Z',
      lastUsedAt: '9999-12-31T23:59:59.999Z',
    });

    expect(created.status).toBe(200);
    const stored = (await t.call('get', { id: created.body.result.data.id }, 'GET')).body.result.data;
    expect(stored).toMatchObject({
      name: 'déploiement 🚀 機械',
      metadata: { '👩‍💻': 'ok' },
      providerCreatedAt: '0001-01-01T00:00:00.000Z',
      lastUsedAt: '9999-12-31T23:59:59.999Z',
    });
  });

  it.each(dateOutOfRange)(
    'refuses credential.add with expiresAt %s as BAD_REQUEST naming the field',
    async (date) => {
      const t = await setup();
      const nhi = (await t.call('create', newNhi())).body.result.data;

      const response = await t.call('credential.add', { nhiId: nhi.id, kind: 'token', expiresAt: date });

      expect(response.status).toBe(400);
      expect(refusedPaths(response.body)).toEqual(['expiresAt']);
    },
  );

  it.each([
    { case: 'not base64 JSON', cursor: '!!!not-a-cursor', sort: 'name' },
    { case: 'JSON that is no cursor', cursor: cursorOf({ x: 1 }), sort: 'name' },
    {
      case: 'a NUL in its value',
      cursor: cursorOf({ s: 'name', d: 'asc', v: 'a\u0000', i: 'x' }),
      sort: 'name',
    },
    {
      case: 'a lone surrogate in its id',
      cursor: cursorOf({ s: 'name', d: 'asc', v: 'a', i: '\ud800' }),
      sort: 'name',
    },
    ...dateOutOfRange.map((date) => ({
      case: `the date ${date}`,
      cursor: cursorOf({ s: 'lastUsedAt', d: 'asc', v: date, i: 'x' }),
      sort: 'lastUsedAt',
    })),
  ])('answers a cursor with $case with BAD_REQUEST "invalid cursor"', async ({ cursor, sort }) => {
    const t = await setup();

    const response = await t.call('list', { cursor, sort }, 'GET');

    expect(response.status).toBe(400);
    expect(response.body.error.data.code).toBe('BAD_REQUEST');
    expect(response.body.error.message).toMatch(/^Invalid cursor/);
  });

  it.each([
    {
      format: 'csv',
      content: [
        'kind,provider,externalId,name,description',
        'service_account,aws,ext-1,first,fine',
        'service_account,aws,ext-2,second,bad\u0000cell',
        'service_account,aws,ext-3,third,fine',
      ].join('\n'),
      reason: /^description: contains a NUL character/,
    },
    {
      format: 'json',
      content: JSON.stringify([
        { kind: 'service_account', provider: 'aws', externalId: 'ext-1', name: 'first' },
        {
          kind: 'service_account',
          provider: 'aws',
          externalId: 'ext-2',
          name: 'second',
          metadata: { k: 'a\ud800' },
        },
        { kind: 'service_account', provider: 'aws', externalId: 'ext-3', name: 'third' },
      ]),
      reason: /^metadata\.k: contains an unpaired UTF-16 surrogate/,
    },
    {
      format: 'json',
      content: JSON.stringify([
        { kind: 'service_account', provider: 'aws', externalId: 'ext-1', name: 'first' },
        {
          kind: 'service_account',
          provider: 'aws',
          externalId: 'ext-2',
          name: 'second',
          lastUsedAt: '+010000-01-01T00:00:00Z',
        },
        { kind: 'service_account', provider: 'aws', externalId: 'ext-3', name: 'third' },
      ]),
      reason: /^lastUsedAt: .*Dates run from 0001-01-01 to 9999-12-31/,
    },
  ])(
    'imports the other rows of a $format file and reports the row with a cell it cannot store',
    async ({ format, content, reason }) => {
      const t = await setup();

      const response = await t.call('import', { format, content, skipInvalid: true });

      expect(response.status, response.text).toBe(200);
      const result = response.body.result.data;
      expect(result).toMatchObject({ imported: true, created: 2, skipped: 1 });
      expect(result.errors).toEqual([
        { line: format === 'csv' ? 3 : 2, reason: expect.stringMatching(reason) },
      ]);
      expect(await t.names()).toEqual(['first', 'third']);
    },
  );
});
