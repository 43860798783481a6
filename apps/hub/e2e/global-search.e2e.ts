import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seedDemo } from './support/seed.ts';
import { logIn, openPage, switchToDemoRealm, visit } from './support/session.ts';

// The tests only search and follow what they find: they share a hub.
const sharedHub = hubForFile(seedDemo);

async function setup() {
  const page = await openPage((await sharedHub()).hub, { viewport: { width: 1280, height: 900 } });
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await switchToDemoRealm(page);
  return { page, cspViolations };
}

const palette = (page: Page) => page.getByTestId('global-search');
const hits = (page: Page) => page.getByTestId('global-search-hit');
const pathname = (page: Page) => new URL(page.url()).pathname;

/** Types into the open palette and waits until a hit reads `label`. */
async function searchFor(page: Page, text: string, label: string) {
  await page.getByTestId('global-search-input').fill(text);
  await page
    .locator('[data-testid=global-search-hit] .global-search-label', { hasText: label })
    .first()
    .waitFor();
}

/** Moves the active hit down with the arrow key until it is the one reading `label`. */
async function moveTo(page: Page, label: string) {
  const labels = await hits(page).locator('.global-search-label').allTextContents();
  const index = labels.indexOf(label);
  expect(index).toBeGreaterThanOrEqual(0);
  for (let step = 0; step < index; step++) await page.keyboard.press('ArrowDown');
  await expect
    .poll(() =>
      page.locator('[data-testid=global-search-hit][data-selected=true] .global-search-label').textContent(),
    )
    .toBe(label);
}

describe('global search in a browser', () => {
  it('opens with Ctrl-K, lists an identity by part of its name, and Enter opens its page in the realm', async () => {
    const { page, cspViolations } = await setup();
    await visit(page, '/inventory');
    const name = (await page.getByTestId('inventory-row').nth(3).getAttribute('data-nhi-name')) ?? '';
    expect(name.length).toBeGreaterThan(4);

    await page.keyboard.press('Control+k');
    await palette(page).waitFor();
    await searchFor(page, name.slice(1), name);
    await screenshot(page, 'global-search-identity');
    await moveTo(page, name);
    await page.keyboard.press('Enter');

    await page.waitForURL((url) => /\/r\/demo\/inventory\/[0-9a-f-]{36}$/.test(url.pathname));
    await expect.poll(() => page.getByTestId('nhi-name').textContent()).toBe(name);
    expect(await palette(page).count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });

  it('goes to a page by its name, from the header’s button', async () => {
    const { page, cspViolations } = await setup();

    await page.getByTestId('global-search-button').click();
    await palette(page).waitFor();
    await searchFor(page, 'users', 'Users');
    await moveTo(page, 'Users');
    await page.keyboard.press('Enter');

    await page.waitForURL((url) => url.pathname.endsWith('/users'));
    expect(pathname(page)).toBe('/r/demo/users');
    expect(cspViolations).toEqual([]);
  });

  it('groups hits by kind, has no serious accessibility finding open, and Escape closes it', async () => {
    const { page, cspViolations } = await setup();

    await page.keyboard.press('Control+k');
    await palette(page).waitFor();
    await searchFor(page, 'prod', 'prod');
    const headings = await page.locator('[cmdk-group-heading]').allTextContents();
    const violations = await axeViolations(page);
    await page.keyboard.press('Escape');

    expect(headings[0]).toBe('Identities');
    expect(await page.getByRole('dialog', { name: 'Search' }).count()).toBe(0);
    expect(violations).toEqual([]);
    expect(await palette(page).count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });
});
