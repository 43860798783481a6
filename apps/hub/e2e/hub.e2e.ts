import { SESSION_COOKIE } from '@nhi/platform';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collectCspViolations, screenshot, sharedBrowser } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { recordTiming, startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, adminPassword, emptyDataDir, seededDataDir, seedTwoRealms } from './support/seed.ts';
import { onDashboard, startReadyHub, visit } from './support/session.ts';

// The browser tests work in sessions of their own (a wrong password is forgotten at the next
// login, a token is made and revoked by the one test that lists tokens) and share one hub; the
// test that switches realm starts its own, since the admin's next login lands in the realm chosen last.
const sharedHub = hubForFile(seedTwoRealms);

async function setup({ freshHub = false } = {}) {
  const hub = freshHub
    ? await startReadyHub((await seededDataDir(seedTwoRealms)).dataDir)
    : (await sharedHub()).hub;
  const context = await (await sharedBrowser()).newContext({ baseURL: hub.url });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const cspViolations = collectCspViolations(page);
  return { hub, context, page, cspViolations };
}

async function logIn(page: Awaited<ReturnType<typeof setup>>['page'], password: string) {
  await visit(page, '/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

function whoamiOverTrpc(url: string, sessionToken: string) {
  return fetch(`${url}/api/trpc/platform.whoami`, {
    headers: { cookie: `${SESSION_COOKIE}=${sessionToken}`, origin: url },
  });
}

describe('hub in a browser', () => {
  it('sends a visitor without a session to the login page, and shows why a login failed', async () => {
    const { page, cspViolations } = await setup();

    await visit(page, '/');
    await page.waitForURL('**/login**');
    await logIn(page, 'not-the-password');

    await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('Invalid email or password');
    await screenshot(page, 'login-wrong-password');
    expect(page.url()).toMatch(/\/login(\?|$)/);
    expect(cspViolations).toEqual([]);
  });

  it('logs the initial admin in, switches realm, and logs out for good', async () => {
    const { hub, context, page, cspViolations } = await setup({ freshHub: true });

    await logIn(page, adminPassword);
    await page.waitForURL(onDashboard);
    await page.getByTestId('dashboard').waitFor();
    await page.getByTestId('nav-whoami').click();
    await page.waitForURL('**/me');
    await expect.poll(() => page.getByTestId('whoami-email').textContent()).toBe(adminEmail);
    expect(await page.getByTestId('whoami-realm-slug').textContent()).toBe('hub');
    expect(await page.getByTestId('whoami-role').textContent()).toBe('admin');
    expect(await page.getByTestId('whoami-permissions').textContent()).toContain('member:manage');
    await screenshot(page, 'home-hub-realm');

    await page.getByTestId('realm-switcher').selectOption('ops');
    await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe('ops');
    expect(await page.getByTestId('whoami-realm-name').textContent()).toBe('Operations');
    expect(await page.getByTestId('whoami-role').textContent()).toBe('viewer');
    expect(await page.getByTestId('whoami-permissions').textContent()).not.toContain('member:manage');
    await screenshot(page, 'home-ops-realm');

    const session = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const sessionToken = session?.value ?? '';
    expect((await whoamiOverTrpc(hub.url, sessionToken)).status).toBe(200);

    await page.getByTestId('logout').click();
    await page.waitForURL('**/login**');
    await screenshot(page, 'logged-out');

    expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);
    expect((await whoamiOverTrpc(hub.url, sessionToken)).status).toBe(401);
    await context.addCookies([{ name: SESSION_COOKIE, value: sessionToken, url: hub.url }]);
    await visit(page, '/');
    await page.waitForURL('**/login**');
    expect(cspViolations).toEqual([]);
  });
});

function whoamiWithBearer(url: string, token: string) {
  return fetch(`${url}/api/trpc/platform.whoami`, { headers: { authorization: `Bearer ${token}` } });
}

describe('API tokens in a browser', () => {
  it('creates a token on /tokens that works as a Bearer token until it is revoked there', async () => {
    const { hub, context, page, cspViolations } = await setup();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.url });
    await logIn(page, adminPassword);
    await page.waitForURL(onDashboard);
    await page.getByTestId('nav-tokens').click();
    await page.waitForURL('**/tokens');
    await page.locator('[data-testid=create-token-form][data-ready=true]').waitFor();
    expect(await page.getByTestId('no-tokens').isVisible()).toBe(true);

    await page.getByTestId('token-name').fill('   ');
    await page.getByTestId('create-token').click();
    await expect
      .poll(() => page.getByTestId('create-token-error').textContent())
      .toBe('Give the token a name');
    await page.getByTestId('token-name').fill('e2e pipeline');
    await page.getByTestId('token-expiry').selectOption('7');
    await page.getByTestId('token-permission-realm:read').check();
    await page.getByTestId('create-token').click();
    const reveal = page.getByTestId('token-reveal');
    await reveal.waitFor();
    const token = await page.getByTestId('new-token').inputValue();
    expect(token).toMatch(/^nhi_[0-9A-Za-z]{43}$/);
    expect(await reveal.textContent()).toContain('it will not be shown again');
    await page.getByTestId('copy-token').click();
    await expect.poll(() => page.getByTestId('copy-token').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    const row = page.locator('[data-testid=token-row][data-token-name="e2e pipeline"]');
    expect(await row.getByTestId('token-status').textContent()).toBe('Active');
    expect(await row.textContent()).toContain(token.slice(0, 12));
    expect(await row.textContent()).toContain('realm:read');
    await screenshot(page, 'tokens-created');

    const asToken = await whoamiWithBearer(hub.url, token);
    expect(asToken.status).toBe(200);
    expect((await asToken.json()).result.data).toMatchObject({
      principal: { kind: 'token', email: adminEmail },
      realm: { slug: 'hub' },
      permissions: ['realm:read'],
    });

    await page.getByTestId('token-reveal-done').click();
    await reveal.waitFor({ state: 'detached' });
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(token.slice(12));
    expect(await row.getByTestId('token-last-used').textContent()).not.toBe('Never');

    await page.getByTestId('realm-switcher').selectOption('ops');
    await page.getByTestId('no-tokens').waitFor();
    await page.getByTestId('realm-switcher').selectOption('hub');
    await row.getByTestId('revoke-token').click();
    await screenshot(page, 'tokens-revoke-confirm');
    await page
      .locator('[data-testid=revoke-confirmation][data-token-name="e2e pipeline"]')
      .getByTestId('confirm-revoke')
      .click();

    await expect.poll(() => row.getByTestId('token-status').textContent()).toBe('Revoked');
    await screenshot(page, 'tokens-revoked');
    expect((await whoamiWithBearer(hub.url, token)).status).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});

describe('hub in two tabs', () => {
  it('sends the other tab back to the login page once the session was logged out in one', async () => {
    const { context, page, cspViolations } = await setup();
    await logIn(page, adminPassword);
    await page.waitForURL(onDashboard);
    const otherTab = await context.newPage();
    await visit(otherTab, '/me');
    await otherTab.getByTestId('whoami-email').waitFor();

    await page.getByTestId('logout').click();
    await page.waitForURL('**/login**');
    await otherTab.getByTestId('realm-switcher').selectOption('ops');

    await otherTab.waitForURL('**/login**');
    expect(cspViolations).toEqual([]);
  });
});

describe('hub process', () => {
  it('starts on an empty data directory, and on SIGTERM finishes, releases it and exits 0', async () => {
    const dataDir = await emptyDataDir();

    const first = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
    recordTiming('fresh data dir: spawn to first /healthz 200', first.startupMs);
    recordTiming('fresh data dir: then to /readyz 200', await waitForReady(first.url));
    const firstExit = await first.stop();

    const second = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
    onTestFinished(async () => {
      await second.stop();
    });
    recordTiming('existing data dir: spawn to first /healthz 200', second.startupMs);
    await waitForReady(second.url);
    const readiness = await fetch(`${second.url}/readyz`);

    expect(firstExit).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    expect(readiness.status).toBe(200);
  });

  it('refuses serverFn calls that do not come from its own pages', async () => {
    const { hub } = await sharedHub();
    const callFrom = (headers: Record<string, string>) =>
      fetch(`${hub.url}/_serverFn/no-such-function`, { method: 'POST', headers });

    const crossSite = await callFrom({ 'sec-fetch-site': 'cross-site' });
    const foreignOrigin = await callFrom({ origin: 'https://evil.test' });
    const sameOrigin = await callFrom({ 'sec-fetch-site': 'same-origin' });

    expect(crossSite.status).toBe(403);
    expect(foreignOrigin.status).toBe(403);
    expect(sameOrigin.status).not.toBe(403);
  });
});
