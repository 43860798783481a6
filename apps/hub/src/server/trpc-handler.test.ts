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
});

function call(hub: Awaited<ReturnType<typeof setupHub>>, path: string, headers: Record<string, string> = {}) {
  const request = new Request(`${origin}/api/trpc/${path}`, { headers });
  return handleTrpcRequest(request, {
    root: hub.root,
    logger: silent,
    router: routerUnderTest,
    requestId: 'test',
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
});
