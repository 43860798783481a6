import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedPolicyRealm } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';

// Every page with axe, at both widths and in both schemes, is swept in pages-sweep.e2e.ts; this file
// covers what a sweep cannot: the keyboard, the theme choice and the phone header and dialogs.

const viewports = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

/** Records the theme the root element has when the body starts: what the first paint shows. */
async function recordThemeAtFirstPaint(page: Page): Promise<void> {
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      (window as unknown as { themeAtFirstPaint: string }).themeAtFirstPaint =
        document.documentElement.dataset.theme ?? 'system';
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
}

// The theme is kept in the browser context's storage and the dialog is only opened and closed:
// the tests share one hub, on the realm the dialog test needs.
const sharedHub = hubForFile(seedPolicyRealm);

const themeAtFirstPaint = (page: Page) =>
  page.evaluate(() => (window as unknown as { themeAtFirstPaint?: string }).themeAtFirstPaint);
// The page colour is painted by the root element, which holds the theme's tokens.
const pageBackground = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
const focusedTestId = (page: Page) =>
  page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id);

describe('keyboard, themes and small screens', () => {
  it('skips to the content, remembers a chosen theme before the first paint, and serves an icon', async () => {
    const { hub } = await sharedHub();
    const page = await openPage(hub, { viewport: viewports.desktop, colorScheme: 'light' });
    const cspViolations = collectCspViolations(page);
    await recordThemeAtFirstPaint(page);
    await logIn(page);

    await page.keyboard.press('Tab');
    expect(await focusedTestId(page)).toBe('skip-link');
    await page.keyboard.press('Enter');
    expect(await focusedTestId(page)).toBe('content');

    const lightBackground = await pageBackground(page);
    await page.getByTestId('theme-dark').click();
    expect(await page.getByTestId('theme-dark').getAttribute('aria-pressed')).toBe('true');
    const darkBackground = await pageBackground(page);
    expect(darkBackground).not.toBe(lightBackground);
    await page.reload();
    expect(await themeAtFirstPaint(page)).toBe('dark');
    expect(await pageBackground(page)).toBe(darkBackground);

    await page.getByTestId('theme-system').click();
    await page.reload();
    expect(await themeAtFirstPaint(page)).toBe('system');
    expect(await pageBackground(page)).toBe(lightBackground);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await pageBackground(page)).toBe(darkBackground);

    for (const icon of ['/favicon.ico', '/favicon.svg']) {
      const response = await fetch(`${hub.url}${icon}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\//);
    }
    expect(cspViolations).toEqual([]);
  });

  it('folds the header into a menu on a phone, which closes once a page is chosen', async () => {
    const page = await openPage((await sharedHub()).hub, { viewport: viewports.phone });
    await logIn(page);
    const menuButton = page.getByTestId('menu-button');

    const header = await page.getByRole('banner').boundingBox();
    expect(header?.height).toBeLessThanOrEqual(64);
    expect(await page.getByTestId('nav-inventory').isVisible()).toBe(false);
    expect(await menuButton.getAttribute('aria-expanded')).toBe('false');

    await menuButton.click();
    expect(await menuButton.getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'menu-open-phone-light');
    await page.getByTestId('nav-inventory').click();
    await page.waitForURL('**/inventory');

    await expect.poll(() => menuButton.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('nav-inventory').isVisible()).toBe(false);
  });

  it('traps focus in the assign dialog and closes it on Escape; it fits a phone', async () => {
    const page = await openPage((await sharedHub()).hub, { viewport: viewports.phone });
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    await visit(page, '/policy/groups');
    await page.locator('[data-testid=group-link][data-group=Security]').click();
    await page.locator('[data-testid=group-detail][data-group=Security]').waitFor();

    await page.getByTestId('open-assign').click();
    const dialog = page.getByRole('dialog', { name: 'Assign a policy to Security' });
    await dialog.waitFor();
    for (let press = 0; press < 8; press++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
    }
    const box = await dialog.boundingBox();
    expect(box?.x).toBeGreaterThanOrEqual(0);
    expect((box?.x ?? 0) + (box?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(
      viewports.phone.width,
    );
    await screenshot(page, 'assign-dialog-phone-light');
    await page.keyboard.press('Escape');

    await dialog.waitFor({ state: 'detached' });
    expect(cspViolations).toEqual([]);
  });
});
