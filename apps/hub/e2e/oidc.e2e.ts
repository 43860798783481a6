import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import type { RunningHub } from './support/hub-process.ts';
import { startTestIdp, type TestIdp } from './support/oidc-idp.ts';
import { adminEmail, adminPassword, seededDataDir, seedTwoRealms } from './support/seed.ts';
import { onDashboard, openPage, startReadyHub, visit } from './support/session.ts';

const providerId = 'corp';

/** The hub's settings for the test IdP as provider `corp`: its groups map to realms `hub` and `ops`. */
function providerEnv(idp: TestIdp): Record<string, string> {
  return {
    NHI_OIDC_PROVIDERS: providerId,
    NHI_OIDC_CORP_ISSUER: idp.issuer,
    NHI_OIDC_CORP_CLIENT_ID: idp.clientId,
    NHI_OIDC_CORP_CLIENT_SECRET: idp.clientSecret,
    NHI_OIDC_CORP_SCOPES: 'openid email profile groups',
    NHI_OIDC_CORP_NAME: 'Corp SSO',
    NHI_OIDC_CORP_MAP: JSON.stringify([
      { group: 'nhi-admins', realm: 'hub', role: 'admin' },
      { group: 'nhi-readers', realm: 'hub', role: 'viewer' },
      { group: 'nhi-ops', realm: 'ops', role: 'editor' },
    ]),
  };
}

// The tests with password login on share a hub and its provider: a refused sign-in makes no session
// and no user, and the one that signs in sets the user's groups it expects first. The one with
// password login off has a hub (and provider) of its own.
let fileIdp: TestIdp | undefined;
const sharedHub = hubForFile(async (dataDir) => {
  await seedTwoRealms(dataDir);
  fileIdp = await startTestIdp({ forFile: true });
  return fileIdp;
}, providerEnv);
afterAll(() => fileIdp?.close());
let sharedReady: Promise<{ hub: RunningHub; idp: TestIdp }> | undefined;

/** The shared hub, registered with its provider once. */
function sharedHubAndIdp(): Promise<{ hub: RunningHub; idp: TestIdp }> {
  sharedReady ??= sharedHub().then(({ hub, value: idp }) => {
    idp.registerHub(hub.url, providerId);
    return { hub, idp };
  });
  return sharedReady;
}

/** The hub with the test IdP as provider `corp`: the shared one, or with `env` one of the test's own. */
async function setup(env?: Record<string, string>): Promise<{ hub: RunningHub; idp: TestIdp }> {
  const { hub, idp } = env ? await startOwnHub(env) : await sharedHubAndIdp();
  idp.users.set('ada', {
    email: 'ada@example.test',
    name: 'Ada Lovelace',
    groups: ['nhi-readers', 'nhi-ops'],
  });
  return { hub, idp };
}

async function startOwnHub(env: Record<string, string>): Promise<{ hub: RunningHub; idp: TestIdp }> {
  const { dataDir } = await seededDataDir(seedTwoRealms);
  const idp = await startTestIdp();
  const hub = await startReadyHub(dataDir, { ...providerEnv(idp), ...env });
  idp.registerHub(hub.url, providerId);
  return { hub, idp };
}

/** The provider's development login page: any password will do for a known user. */
async function signInAtIdp(page: Page, login: string): Promise<void> {
  await page.locator('input[name=login]').waitFor();
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
}

async function signInWithButton(page: Page, login: string): Promise<void> {
  await visit(page, '/login');
  await page.getByTestId(`sso-${providerId}`).click();
  await signInAtIdp(page, login);
  await page.waitForURL(onDashboard);
}

/** The role in the current realm and every realm the user may switch to, as /me shows them. */
async function whoIAm(page: Page): Promise<{ email: string | null; role: string | null; realms: string[] }> {
  await visit(page, '/me');
  await page.getByTestId('whoami-email').waitFor();
  return {
    email: await page.getByTestId('whoami-email').textContent(),
    role: await page.getByTestId('whoami-role').textContent(),
    realms: (await page
      .getByTestId('realm-switcher')
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value))) as string[],
  };
}

describe('OIDC sign-in', () => {
  it('logs in through the provider with membership from the groups claim, logs out there, and follows changed groups', async () => {
    const { hub, idp } = await setup();
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);

    await signInWithButton(page, 'ada');
    expect(await whoIAm(page)).toEqual({ email: 'ada@example.test', role: 'viewer', realms: ['hub', 'ops'] });
    await screenshot(page, 'oidc-signed-in');

    await page.getByTestId('logout').click();
    // RP-initiated logout: the provider asks to confirm, then sends the browser back to the login page.
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.getByRole('button', { name: /yes, sign me out/i }).click();
    await page.waitForURL((url) => url.origin === hub.url && url.pathname === '/login');

    idp.users.set('ada', { email: 'ada@example.test', name: 'Ada Lovelace', groups: ['nhi-admins'] });
    // The provider's session ended too: it asks for the login again. A link opened while logged out
    // is where the sign-in at the provider lands.
    await visit(page, '/r/hub/alerts?severity=high');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.has('next'));
    await page.getByTestId(`sso-${providerId}`).click();
    await signInAtIdp(page, 'ada');
    await page.waitForURL(
      (url) => url.pathname === '/r/hub/alerts' && url.searchParams.get('severity') === 'high',
    );
    expect(await whoIAm(page)).toEqual({ email: 'ada@example.test', role: 'admin', realms: ['hub'] });
    expect(cspViolations).toEqual([]);
  });

  it('refuses a tampered state, a wrong nonce, another issuer and an expired ID token with a clear page', async () => {
    const { hub, idp } = await setup();
    const page = await openPage(hub);
    const callback = `${hub.url}/auth/oidc/${providerId}/callback`;

    idp.tamperNextIdToken((claims) => ({ ...claims, nonce: 'a-nonce-of-another-sign-in' }));
    await visit(page, '/login');
    await page.getByTestId(`sso-${providerId}`).click();
    await signInAtIdp(page, 'ada');
    await expectRefusal(page, 'nonce_mismatch', /nonce mismatch/);

    // The provider's session lives on: later sign-ins come straight back to the callback.
    idp.tamperNextIdToken((claims) => ({ ...claims, iss: 'http://127.0.0.1:9/another-issuer' }));
    await page.goto(`/auth/oidc/${providerId}/start`);
    await expectRefusal(page, 'issuer_mismatch', /issuer mismatch/);

    const now = Math.floor(Date.now() / 1000);
    idp.tamperNextIdToken((claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 }));
    await page.goto(`/auth/oidc/${providerId}/start`);
    await expectRefusal(page, 'id_token_expired', /expired/);

    // The provider's answer, fetched with this browser's cookies but not delivered, comes back with another state.
    const answer = await providerAnswer(page, callback);
    const tampered = new URL(answer);
    tampered.searchParams.set('state', 'a-state-this-browser-never-sent');
    const refused = await page.goto(tampered.href);
    expect(refused?.status()).toBe(400);
    await expectRefusal(page, 'state_mismatch', /state mismatch/);

    // The same answer from a browser that did not start the sign-in.
    const stranger = await openPage(hub);
    await stranger.goto(answer);
    await expectRefusal(stranger, 'flow_missing', /start it again/);

    const unknown = await page.goto('/auth/oidc/nobody/start');
    expect(unknown?.status()).toBe(404);
    // None of them made a session.
    await page.goto('/me');
    await page.waitForURL((url) => url.pathname === '/login');
  });

  it('offers only single sign-on when password login is off, with a way in for the break-glass admin', async () => {
    const { hub } = await setup({ NHI_LOCAL_LOGIN: 'false' });
    const page = await openPage(hub);

    await visit(page, '/login');
    await page.getByTestId(`sso-${providerId}`).waitFor();
    expect(await page.getByTestId('login-form').count()).toBe(0);

    await page.getByTestId('login-local-link').click();
    await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(onDashboard);
    expect((await whoIAm(page)).email).toBe(adminEmail);
  });
});

/** Follows the sign-in's redirects with the page's cookies up to the provider's answer at the callback. */
async function providerAnswer(page: Page, callback: string): Promise<string> {
  let location = `/auth/oidc/${providerId}/start`;
  for (let hop = 0; hop < 10; hop += 1) {
    if (location.startsWith(callback)) return location;
    const response = await page.request.get(location, { maxRedirects: 0 });
    const next = response.headers().location;
    if (!next) throw new Error(`the sign-in stopped at ${location} with ${response.status()}`);
    location = new URL(next, response.url()).href;
  }
  throw new Error('the sign-in did not come back to the callback');
}

async function expectRefusal(page: Page, reason: string, message: RegExp): Promise<void> {
  const error = page.getByTestId('oidc-error');
  await error.waitFor();
  expect(await error.getAttribute('data-reason')).toBe(reason);
  expect(await error.textContent()).toMatch(message);
  expect(await page.content()).not.toMatch(/at .*\.(js|ts|mjs):\d+/);
}
