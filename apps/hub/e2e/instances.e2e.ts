import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { seededDataDir, seedTwoRealms } from './support/seed.ts';
import { logIn, openPage, startReadyHub } from './support/session.ts';

describe('instances page', () => {
  it('tells the hub realm’s admin how to add a worker when none is registered, and is not offered in another realm', async () => {
    const { dataDir } = await seededDataDir(seedTwoRealms);
    const hub = await startReadyHub(dataDir);
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);

    await page.getByTestId('nav-instances').click();
    const empty = page.getByTestId('no-instances');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('nhi instance add');
    await screenshot(page, 'instances-empty');

    // A viewer in `ops`: no link, and the page itself refuses.
    await page.getByTestId('realm-switcher').selectOption('ops');
    await page.getByTestId('instances-failed').waitFor();
    expect(await page.getByTestId('instances-failed').textContent()).toContain('instance:read');
    expect(await page.getByTestId('nav-instances').count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });
});
