import { NhiQueryService } from '@nhi/nhi';
import { seedDemoRealm } from '@nhi/nhi/demo';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import {
  adminEmail,
  adminPassword,
  seededDataDir,
  seedingScope,
  withSeedingRuntime,
} from './support/seed.ts';
import { logIn, onDashboard, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';

/** The demo realm, and one of its identities: a record only that realm holds. */
async function seedDemoIdentity(dataDir: string): Promise<{ demoNhiId: string }> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    const { realm } = await seedDemoRealm(runtime.root, { adminEmail });
    const list = (await seedingScope(runtime, realm)).container.resolve(NhiQueryService);
    const [first] = (await list.list({ limit: 1 })).items;
    if (!first) throw new Error('the demo realm has no identity');
    return { demoNhiId: first.id };
  });
}

// The tests read, and log in and out with sessions of their own, so they share a hub; apart from the
// one that chooses the realm the next login lands in, which the first test expects to be the hub's.
const sharedHub = hubForFile(seedDemoIdentity);

/** The shared hub, or with `freshHub` one of the test's own. */
async function setup({ freshHub = false } = {}) {
  const { hub, value } = freshHub ? await ownHub() : await sharedHub();
  const page = await openPage(hub);
  const cspViolations = collectCspViolations(page);
  return { hub, page, cspViolations, ...value };
}

async function ownHub() {
  const { dataDir, value } = await seededDataDir(seedDemoIdentity);
  return { hub: await startReadyHub(dataDir), value };
}

/** Fills the login form of the page shown, without waiting for a particular landing page. */
async function submitLogin(page: Page): Promise<void> {
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function logOut(page: Page): Promise<void> {
  await page.getByTestId('logout').click();
  await page.waitForURL('**/login**');
}

describe('links in a browser', () => {
  it('carries the realm in every page URL and keeps a deep link into another realm through login', async () => {
    const { page, demoNhiId, cspViolations } = await setup();
    await logIn(page);
    expect(new URL(page.url()).pathname).toBe('/r/hub');
    await page.getByTestId('nav-inventory').click();
    await page.waitForURL((url) => url.pathname === '/r/hub/inventory');
    expect(await page.getByTestId('nav-alerts').getAttribute('href')).toBe('/r/hub/alerts');
    await logOut(page);

    await page.goto(`/r/demo/inventory/${demoNhiId}`);
    await page.waitForURL('**/login**');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/r/demo/inventory/${demoNhiId}`);
    await submitLogin(page);

    await page.waitForURL((url) => url.pathname === `/r/demo/inventory/${demoNhiId}`);
    await page.getByTestId('nhi-page').waitFor();
    expect(await page.getByTestId('realm-switcher').inputValue()).toBe('demo');
    expect(await page.getByTestId('nav-inventory').getAttribute('href')).toBe('/r/demo/inventory');
    expect(cspViolations).toEqual([]);
  });

  it('answers 404 inside the app for a record of another realm, an unknown id and a realm not the user’s', async () => {
    const { page, demoNhiId } = await setup();
    await logIn(page);

    for (const address of [
      `/r/hub/inventory/${demoNhiId}`,
      '/r/hub/alerts/00000000-0000-4000-8000-000000000000',
      '/r/hub/scans/not-an-id',
    ]) {
      const response = await page.goto(address);
      expect(response?.status(), address).toBe(404);
      await page.getByTestId('not-found').waitFor();
      // The frame stays: the user can go on from here.
      expect(await page.getByTestId('nav-inventory').isVisible()).toBe(true);
    }
    const elsewhere = await page.goto('/r/nosuch/inventory');
    expect(elsewhere?.status()).toBe(404);
    await page.getByTestId('not-found').waitFor();
  });

  it('keeps each tab in the realm its URL names, and the next login in the realm last chosen', async () => {
    const { hub, page } = await setup({ freshHub: true });
    await logIn(page);
    await switchToDemoRealm(page);
    expect(new URL(page.url()).pathname).toBe('/r/demo/me');

    const hubTab = await page.context().newPage();
    await visit(hubTab, '/r/hub/me');
    await visit(page, '/r/demo/me');
    await hubTab.reload();
    await expect.poll(() => hubTab.getByTestId('whoami-realm-slug').textContent()).toBe('hub');
    await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe('demo');
    await hubTab.close();

    await logOut(page);
    await submitLogin(page);
    await page.waitForURL(onDashboard);
    expect(new URL(page.url()).pathname).toBe('/r/demo');
    expect(hub.url).toBeTruthy();
  });

  it('keeps the frame around a page that cannot load, says the hub is unreachable, and recovers by itself', async () => {
    const { page } = await setup();
    await logIn(page);
    await page.route('**/_serverFn/**', (route) => route.abort('connectionrefused'));
    await page.route('**/healthz', (route) => route.abort('connectionrefused'));

    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('route-error').waitFor();
    await page.getByTestId('hub-unreachable').waitFor();
    expect(await page.getByTestId('nav-inventory').isVisible()).toBe(true);

    await page.unroute('**/_serverFn/**');
    await page.unroute('**/healthz');
    // The banner goes once the hub answers again, and the page loads without a click.
    await page.getByTestId('hub-unreachable').waitFor({ state: 'detached' });
    await page.getByTestId('alerts-table').waitFor();
    expect(await page.getByTestId('route-error').count()).toBe(0);
  });
});
