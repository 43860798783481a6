import {
  authorizedProcedure,
  createLogger,
  router,
  SESSION_COOKIE,
  undeclaredProcedures,
} from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { setupHub } from '../../test/support/hub-setup.ts';
import { appRouter } from './app-router.ts';
import { handleTrpcRequest } from './trpc-handler.ts';

const origin = 'http://hub.test';
const silent = createLogger({ level: 'silent' });

/** The app's procedures plus one that only admins may call, to see a 403 through the same path. */
const routerUnderTest = router({
  ...appRouter._def.record,
  adminOnly: router({ ping: authorizedProcedure('member:manage').query(() => 'pong') }),
  notes: router({ save: authorizedProcedure('realm:read').mutation(() => 'saved') }),
});

function call(
  hub: Awaited<ReturnType<typeof setupHub>>,
  path: string,
  headers: Record<string, string> = {},
  options: { method?: 'POST'; clientAddress?: string } = {},
) {
  const request = new Request(`${origin}/api/trpc/${path}`, {
    headers,
    method: options.method,
    body: options.method ? '{}' : undefined,
  });
  return handleTrpcRequest(request, {
    root: hub.root,
    logger: silent,
    router: routerUnderTest,
    requestId: 'test',
    clientAddress: options.clientAddress,
  });
}

function sessionHeaders(token: string, extra: Record<string, string> = {}) {
  return { cookie: `${SESSION_COOKIE}=${token}`, 'sec-fetch-site': 'same-origin', ...extra };
}

async function setup(newDatabase: Parameters<typeof setupHub>[0]) {
  const hub = await setupHub(newDatabase);
  await hub.realm('hub', 'Hub');
  await hub.member('ada@example.test', 'hub', 'admin');
  await hub.member('vic@example.test', 'hub', 'viewer');
  return hub;
}

describe('appRouter', () => {
  it('declares a known permission on every procedure', () => {
    expect(undeclaredProcedures(appRouter)).toEqual([]);
  });
});

describeEachDatabase('/api/trpc', (_kind, newDatabase) => {
  it('answers whoami for a logged-in user calling from our own pages', async () => {
    const hub = await setup(newDatabase);
    const session = await hub.logIn('ada@example.test');

    const response = await call(hub, 'platform.whoami', sessionHeaders(session.token));

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.result.data).toMatchObject({
      principal: { kind: 'user', email: 'ada@example.test' },
      realm: { slug: 'hub' },
      role: 'admin',
    });
  });

  it('answers 401 without a session cookie or token', async () => {
    const hub = await setup(newDatabase);

    const response = await call(hub, 'platform.whoami', { 'sec-fetch-site': 'same-origin' });

    expect(response.status).toBe(401);
  });

  it('answers 401 for a session token whose signature was tampered with', async () => {
    const hub = await setup(newDatabase);
    const { token } = await hub.logIn('ada@example.test');
    const [header, payload, signature = ''] = token.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

    const response = await call(hub, 'platform.whoami', sessionHeaders(`${header}.${payload}.${flipped}`));

    expect(response.status).toBe(401);
  });

  it('answers 401 once the session has expired', async () => {
    const hub = await setup(newDatabase);
    const { token } = await hub.logIn('ada@example.test');
    hub.clock.advanceSeconds(hub.config.NHI_SESSION_TTL_SECONDS + 1);

    const response = await call(hub, 'platform.whoami', sessionHeaders(token));

    expect(response.status).toBe(401);
  });

  it('answers 403 when the role lacks the procedure’s permission', async () => {
    const hub = await setup(newDatabase);
    const viewer = await hub.logIn('vic@example.test');
    const admin = await hub.logIn('ada@example.test');

    const denied = await call(hub, 'adminOnly.ping', sessionHeaders(viewer.token));
    const allowed = await call(hub, 'adminOnly.ping', sessionHeaders(admin.token));

    expect(denied.status).toBe(403);
    expect(allowed.status).toBe(200);
  });

  it('refuses a cookie session sent from another site', async () => {
    const hub = await setup(newDatabase);
    const { token } = await hub.logIn('ada@example.test');

    const crossSite = await call(hub, 'platform.whoami', {
      cookie: `${SESSION_COOKIE}=${token}`,
      'sec-fetch-site': 'cross-site',
      origin: 'https://evil.test',
    });
    const foreignOrigin = await call(hub, 'platform.whoami', {
      cookie: `${SESSION_COOKIE}=${token}`,
      origin: 'https://evil.test',
    });
    const sameOrigin = await call(hub, 'platform.whoami', { cookie: `${SESSION_COOKIE}=${token}`, origin });

    expect(crossSite.status).toBe(403);
    expect(foreignOrigin.status).toBe(403);
    expect(sameOrigin.status).toBe(200);
  });

  it('answers 429 with Retry-After once a person made too many changes, and still answers reads', async () => {
    const hub = await setupHub(newDatabase, { NHI_WRITE_LIMIT_PER_USER: '2' });
    await hub.realm('hub', 'Hub');
    await hub.member('ada@example.test', 'hub', 'admin');
    const { token } = await hub.logIn('ada@example.test');
    const save = () =>
      call(hub, 'notes.save', sessionHeaders(token, { 'content-type': 'application/json' }), {
        method: 'POST',
      });

    const statuses = [(await save()).status, (await save()).status];
    const refused = await save();
    const read = await call(hub, 'platform.whoami', sessionHeaders(token));

    expect(statuses).toEqual([200, 200]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refused.json()).error.message).toMatch(/^Too many changes in a short time/);
    expect(read.status).toBe(200);
  });

  it('caps the changes of one client address across the people behind it', async () => {
    const hub = await setupHub(newDatabase, { NHI_WRITE_LIMIT_PER_ADDRESS: '2' });
    await hub.realm('hub', 'Hub');
    await hub.member('ada@example.test', 'hub', 'admin');
    await hub.member('vic@example.test', 'hub', 'viewer');
    const sessions = [await hub.logIn('ada@example.test'), await hub.logIn('vic@example.test')];
    const save = (token: string, clientAddress: string) =>
      call(hub, 'notes.save', sessionHeaders(token, { 'content-type': 'application/json' }), {
        method: 'POST',
        clientAddress,
      });

    const fromOffice = [];
    for (const session of [...sessions, ...sessions])
      fromOffice.push((await save(session.token, '203.0.113.7')).status);
    const elsewhere = await save(sessions[1]?.token ?? '', '198.51.100.9');

    expect(fromOffice).toEqual([200, 200, 429, 429]);
    expect(elsewhere.status).toBe(200);
  });
});
