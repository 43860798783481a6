import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { readCookie, SESSION_COOKIE } from '../guards/cookies.ts';
import { authenticateRequest } from '../guards/request-scope.ts';
import { createCaller } from '../rpc/caller.ts';
import { router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { setupHub } from './auth-test-setup.ts';

const origin = 'http://hub.test';
/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ platform: platformRouter });

type Credential = { session: string } | { bearer: string };

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  body: { result: { data: any }; error: { data: { code: string } } };
  /** The session cookie the answer sets, if any. */
  cookie: string | undefined;
}

function headersFor(credential: Credential): Record<string, string> {
  if ('bearer' in credential) return { authorization: `Bearer ${credential.bearer}` };
  return { cookie: `${SESSION_COOKIE}=${credential.session}`, 'sec-fetch-site': 'same-origin' };
}

describeEachDatabase('platform.realms', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('lab', 'Lab');
    await hub.realm('other', 'Other');
    await hub.member('ana@example.com', 'hub', 'admin');
    await hub.member('ana@example.com', 'lab', 'viewer');
    await hub.member('oli@example.com', 'other', 'admin');

    /** Over /api/trpc: GET for queries (no input), POST for mutations. */
    async function call(credential: Credential, path: string, input?: unknown): Promise<Answer> {
      const mutation = input !== undefined;
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(`${origin}/api/trpc/${path}`, {
          method: mutation ? 'POST' : 'GET',
          headers: { ...headersFor(credential), ...(mutation ? { 'content-type': 'application/json' } : {}) },
          body: mutation ? JSON.stringify(input) : undefined,
        }),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-1', req, resHeaders }),
      });
      const cookie = readCookie(
        new Headers({
          cookie: response.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; '),
        }),
        SESSION_COOKIE,
      );
      return { status: response.status, body: await response.json(), cookie };
    }

    /** In this process, bound to the scope of the credential: as the hub's serverFns call. */
    async function callerOf(credential: Credential) {
      const scope = await authenticateRequest(hub.root, {
        headers: new Headers(headersFor(credential)),
        requestId: 'req-2',
      });
      return createCaller(appRouter, hub.root, scope);
    }

    const session = async (email: string) => ({ session: (await hub.loggedIn(email)).token });
    return { ...hub, call, callerOf, session };
  }

  it('lists the caller’s realms with the role in each and the one the session works in', async () => {
    const t = await setup();

    const listed = await t.call(await t.session('ana@example.com'), 'platform.realms.list');

    expect(listed.status).toBe(200);
    expect(listed.body.result.data).toEqual({
      email: 'ana@example.com',
      current: 'hub',
      realms: [
        { slug: 'hub', name: 'Hub', role: 'admin', instance: null, available: true },
        { slug: 'lab', name: 'Lab', role: 'viewer', instance: null, available: true },
      ],
      mayReadInstances: true,
    });
  });

  it('moves the session over HTTP by its cookie, never by a token in the answer', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');

    const switched = await t.call(ana, 'platform.realms.switch', { slug: 'lab' });

    expect(switched.status).toBe(200);
    expect(switched.body.result.data).toEqual({
      realm: { id: expect.any(String), slug: 'lab', name: 'Lab' },
    });
    expect(switched.cookie).toBeDefined();
    expect(JSON.stringify(switched.body)).not.toContain(switched.cookie);
    const now = await t.call({ session: switched.cookie as string }, 'platform.whoami');
    expect(now.body.result.data).toMatchObject({ realm: { slug: 'lab' }, role: 'viewer' });
  });

  it('answers a caller in this process with the token, for it to set the cookie', async () => {
    const t = await setup();
    const ana = await t.callerOf(await t.session('ana@example.com'));

    const switched = await ana.platform.realms.switch.mutate({ slug: 'lab' });

    expect(switched.realm.slug).toBe('lab');
    expect(switched.session?.expiresAt).toBeInstanceOf(Date);
    const moved = await t.callerOf({ session: switched.session?.token as string });
    expect((await moved.platform.realms.list.query()).current).toBe('lab');
  });

  it('refuses a realm the user is no member of, and an API token, and leaves the session where it was', async () => {
    const t = await setup();
    const ana = await t.session('ana@example.com');
    const token = await (await t.callerOf(ana)).platform.tokens.create.mutate({ name: 'ci' });

    const foreign = await t.call(ana, 'platform.realms.switch', { slug: 'other' });
    const byToken = await t.call({ bearer: token.token }, 'platform.realms.switch', { slug: 'lab' });
    const empty = await t.call(ana, 'platform.realms.switch', { slug: '' });

    expect([foreign.status, foreign.body.error.data.code]).toEqual([404, 'NOT_FOUND']);
    expect([byToken.status, byToken.body.error.data.code]).toEqual([400, 'BAD_REQUEST']);
    expect(empty.status).toBe(400);
    expect([foreign.cookie, byToken.cookie, empty.cookie]).toEqual([undefined, undefined, undefined]);
    expect((await t.call(ana, 'platform.realms.list')).body.result.data.current).toBe('hub');
  });
});
