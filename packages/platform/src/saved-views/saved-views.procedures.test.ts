import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { savedViewsRouter } from './api/saved-views.procedures.ts';
import { SAVED_VIEW_PAGES, type SavedViewPages } from './service/saved-view-pages.ts';
import { maxViewsPerPage } from './service/saved-views.ts';

const origin = 'http://hub.test';
const appRouter = router({ views: savedViewsRouter });

const oneOf = <T extends string>(value: unknown, allowed: readonly T[]) =>
  allowed.find((option) => option === value);

/**
 * Two pages as the app describes them, lenient like URL schemas are: `alerts` for everyone
 * (realm:read), `inventory` for admins only (audit:read), so the page's own permission shows.
 */
const pages: SavedViewPages = {
  alerts: {
    readPermission: 'realm:read',
    parseSearch: (search) => ({
      state: oneOf(search.state, ['open', 'resolved', 'all']),
      severity: Array.isArray(search.severity)
        ? search.severity.filter((s) => s === 'high' || s === 'low')
        : undefined,
      after: typeof search.after === 'string' ? search.after : undefined,
    }),
    pagingKeys: ['after'],
  },
  inventory: {
    readPermission: 'audit:read',
    parseSearch: (search) => ({ q: typeof search.q === 'string' ? search.q : undefined }),
    pagingKeys: [],
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
type Body = { result: { data: any }; error: { message: string; data: { code: string; details?: any } } };

describeEachDatabase('views over /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    hub.root.register(SAVED_VIEW_PAGES, { useValue: pages });
    await hub.realm('hub', 'Hub');
    await hub.realm('other', 'Other');
    await hub.member('ana@example.com', 'hub', 'admin');
    await hub.member('ana@example.com', 'other', 'admin');
    await hub.member('vic@example.com', 'hub', 'viewer');
    await hub.member('eve@example.com', 'hub', 'editor');
    await hub.member('ada@example.com', 'hub', 'admin');

    async function session(email: string, realmSlug = 'hub'): Promise<string> {
      const login = await hub.loggedIn(email);
      if (login.realm.slug === realmSlug) return login.token;
      const { principal } = await hub.auth.authenticate({ sessionToken: login.token });
      if (principal.kind !== 'user') throw new Error('a login yields a user session');
      const switched = await hub.auth.switchRealm(
        { userId: principal.userId, sessionId: principal.sessionId },
        realmSlug,
      );
      return switched.token;
    }

    /** Calls a procedure as the session: queries by GET, mutations by POST. */
    async function call(
      token: string,
      path: string,
      input: unknown,
    ): Promise<{ status: number; body: Body }> {
      const query = path.endsWith('.list');
      const url = `${origin}/api/trpc/${path}${query ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`;
      const request = new Request(url, {
        method: query ? 'GET' : 'POST',
        headers: {
          cookie: `${SESSION_COOKIE}=${token}`,
          'sec-fetch-site': 'same-origin',
          ...(query ? {} : { 'content-type': 'application/json' }),
        },
        body: query ? undefined : JSON.stringify(input),
      });
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: request,
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-1', req, resHeaders }),
      });
      return { status: response.status, body: (await response.json()) as Body };
    }

    async function created(token: string, input: Record<string, unknown>) {
      const answer = await call(token, 'views.create', { page: 'alerts', ...input });
      expect(answer.status).toBe(200);
      return answer.body.result.data as { id: string; name: string; search: Record<string, unknown> };
    }

    async function names(token: string, page = 'alerts'): Promise<string[]> {
      const listed = await call(token, 'views.list', { page });
      expect(listed.status).toBe(200);
      return listed.body.result.data.views.map((view: { name: string }) => view.name);
    }

    return {
      ...hub,
      ana: await session('ana@example.com'),
      anaInOther: await session('ana@example.com', 'other'),
      vic: await session('vic@example.com'),
      eve: await session('eve@example.com'),
      ada: await session('ada@example.com'),
      call,
      created,
      names,
    };
  }

  it('keeps a personal view with the search as the page reads it, without paging', async () => {
    const t = await setup();

    const view = await t.created(t.vic, {
      name: '  Resolved highs ',
      search: { state: 'resolved', severity: ['high'], after: 'x' },
    });

    expect(view.name).toBe('Resolved highs');
    expect(view.search).toEqual({ state: 'resolved', severity: ['high'] });
    const listed = await t.call(t.vic, 'views.list', { page: 'alerts' });
    expect(listed.body.result.data).toEqual({
      canShare: false,
      views: [
        expect.objectContaining({
          id: view.id,
          name: 'Resolved highs',
          shared: false,
          mine: true,
          editable: true,
          owner: 'vic@example.com',
          search: { state: 'resolved', severity: ['high'] },
        }),
      ],
    });
  });

  it('refuses a search the page does not understand, naming the parameters', async () => {
    const t = await setup();

    const answer = await t.call(t.vic, 'views.create', {
      page: 'alerts',
      name: 'bad',
      search: { state: 'closed', colour: 'red', severity: ['high'] },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe(
      'The alerts page does not understand these search parameters: state, colour',
    );
    expect(await t.names(t.vic)).toEqual([]);
  });

  it('refuses names that are empty, too long or already taken on the page', async () => {
    const t = await setup();
    await t.created(t.vic, { name: 'Open', search: { state: 'open' } });

    const empty = await t.call(t.vic, 'views.create', { page: 'alerts', name: '   ', search: {} });
    const long = await t.call(t.vic, 'views.create', { page: 'alerts', name: 'x'.repeat(81), search: {} });
    const taken = await t.call(t.vic, 'views.create', { page: 'alerts', name: 'Open', search: {} });

    expect([empty.status, long.status, taken.status]).toEqual([400, 400, 409]);
    // Names are the owner's: another member and another page may use the same one.
    await t.created(t.eve, { name: 'Open', search: {} });
    await t.created(t.ana, { page: 'inventory', name: 'Open', search: { q: 'ci' } });
  });

  it(`keeps at most ${maxViewsPerPage} views per member and page`, async () => {
    const t = await setup();
    for (let n = 0; n < maxViewsPerPage; n++) await t.created(t.vic, { name: `v${n}`, search: {} });

    const over = await t.call(t.vic, 'views.create', { page: 'alerts', name: 'one more', search: {} });

    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain(`${maxViewsPerPage} views`);
  });

  it('needs the page’s own read permission', async () => {
    const t = await setup();

    const listed = await t.call(t.vic, 'views.list', { page: 'inventory' });
    const create = await t.call(t.vic, 'views.create', { page: 'inventory', name: 'mine', search: {} });

    expect([listed.status, create.status]).toEqual([403, 403]);
  });

  it('shows another member’s view only when shared, and sharing needs view:share', async () => {
    const t = await setup();
    await t.created(t.ana, { name: 'Ana private', search: {} });
    const refused = await t.call(t.eve, 'views.create', {
      page: 'alerts',
      name: 'Eve shared',
      shared: true,
      search: {},
    });
    await t.created(t.ana, { name: 'Triage', shared: true, search: { state: 'open' } });

    expect(refused.status).toBe(403);
    expect(await t.names(t.vic)).toEqual(['Triage']);
    const [triage] = (await t.call(t.vic, 'views.list', { page: 'alerts' })).body.result.data.views;
    expect(triage).toMatchObject({ mine: false, editable: false, owner: 'ana@example.com' });
  });

  it('answers 404 for another member’s personal view, and 403 for changing a shared one without view:share', async () => {
    const t = await setup();
    const personal = await t.created(t.eve, { name: 'Eve', search: {} });
    const shared = await t.created(t.ana, { name: 'Team', shared: true, search: {} });

    const renamePersonal = await t.call(t.vic, 'views.update', { id: personal.id, name: 'mine now' });
    const deletePersonal = await t.call(t.ana, 'views.delete', { id: personal.id });
    const renameShared = await t.call(t.vic, 'views.update', { id: shared.id, name: 'mine now' });
    const deleteShared = await t.call(t.eve, 'views.delete', { id: shared.id });

    expect([renamePersonal.status, deletePersonal.status]).toEqual([404, 404]);
    expect([renameShared.status, deleteShared.status]).toEqual([403, 403]);
    expect(await t.names(t.eve)).toEqual(['Eve', 'Team']);
  });

  it('lets the owner rename, re-search and delete a view, but not share it without view:share', async () => {
    const t = await setup();
    const own = await t.created(t.eve, { name: 'Eve', search: {} });

    const renamed = await t.call(t.eve, 'views.update', {
      id: own.id,
      name: 'Eve open',
      search: { state: 'open' },
    });
    const share = await t.call(t.eve, 'views.update', { id: own.id, shared: true });

    expect(renamed.body.result.data).toMatchObject({ name: 'Eve open', search: { state: 'open' } });
    expect(share.status).toBe(403);
    expect((await t.call(t.eve, 'views.delete', { id: own.id })).status).toBe(200);
    expect(await t.names(t.eve)).toEqual([]);
  });

  it('lets another admin rename, unshare and delete a view somebody shared', async () => {
    const t = await setup();
    const team = await t.created(t.ana, { name: 'Team', shared: true, search: {} });

    const renamed = await t.call(t.ada, 'views.update', { id: team.id, name: 'Team queue' });
    const listed = await t.call(t.ada, 'views.list', { page: 'alerts' });
    const unshared = await t.call(t.ada, 'views.update', { id: team.id, shared: false });

    expect(renamed.status).toBe(200);
    expect(listed.body.result.data.views).toEqual([
      expect.objectContaining({ name: 'Team queue', mine: false, editable: true, owner: 'ana@example.com' }),
    ]);
    expect(unshared.status).toBe(200);
    // Unshared, it is Ana's personal view again: gone for everyone else.
    expect(await t.names(t.ada)).toEqual([]);
    expect((await t.call(t.ada, 'views.delete', { id: team.id })).status).toBe(404);
    expect(await t.names(t.ana)).toEqual(['Team queue']);
  });

  it('keeps realms apart: a view of one realm is not found from another', async () => {
    const t = await setup();
    const shared = await t.created(t.ana, { name: 'Hub triage', shared: true, search: {} });

    expect(await t.names(t.anaInOther)).toEqual([]);
    const rename = await t.call(t.anaInOther, 'views.update', { id: shared.id, name: 'moved' });
    const remove = await t.call(t.anaInOther, 'views.delete', { id: shared.id });
    expect([rename.status, remove.status]).toEqual([404, 404]);
    expect(await t.names(t.ana)).toEqual(['Hub triage']);
  });
});
