import type { BrowserContextOptions, Page } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import { sharedBrowser } from './browser.ts';
import { type RunningHub, startHubProcess, waitForReady } from './hub-process.ts';
import { adminEmail, adminPassword } from './seed.ts';

/** The built hub on `dataDir` with the e2e admin, ready for requests; stopped when the test ends. */
export async function startReadyHub(dataDir: string, env: Record<string, string> = {}): Promise<RunningHub> {
  const hub = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword, ...env });
  onTestFinished(async () => {
    await hub.stop();
  });
  await waitForReady(hub.url);
  return hub;
}

/**
 * A page on the hub in a browser context of its own (its own cookies, so its own session), on the
 * file's browser; the context closes when the test ends.
 */
export async function openPage(hub: RunningHub, options: BrowserContextOptions = {}): Promise<Page> {
  const browser = await sharedBrowser();
  const context = await browser.newContext({
    baseURL: hub.url,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  onTestFinished(() => context.close());
  return context.newPage();
}

/** The dashboard of a realm: page URLs carry the realm they show (`/r/<realm>`). */
export function onDashboard(url: URL): boolean {
  return /^\/r\/[a-z0-9-]+\/?$/.test(url.pathname);
}

/** Logs in through the login page and waits for the landing page, the dashboard. */
export async function logIn(page: Page, email = adminEmail, password = adminPassword): Promise<void> {
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(onDashboard);
  await waitForHydration(page);
}

/** Loads `path` and waits until the page is interactive, so a form filled next is not reset by hydration. */
export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/** Waits until React has attached its handlers: a click before that is lost. */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
}

/** Switches the session to the demo realm on the who-am-I page, and waits until it answers for it. */
export async function switchToDemoRealm(page: Page): Promise<void> {
  await page.getByTestId('nav-whoami').click();
  await page.waitForURL('**/me');
  await page.getByTestId('whoami-email').waitFor();
  await page.getByTestId('realm-switcher').selectOption('demo');
  await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe('demo');
}
