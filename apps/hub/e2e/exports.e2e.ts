import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';

async function downloaded(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
}

describe('exports in a browser', () => {
  it('downloads the alerts of the queue as CSV and OCSF lines, and the leaks as SARIF', async () => {
    const { dataDir } = await seededDataDir(seedDemo);
    const page = await openPage(await startReadyHub(dataDir));
    await logIn(page);
    await switchToDemoRealm(page);
    await visit(page, '/alerts');
    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);

    const csv = await downloaded(page, 'alerts-export-csv');
    const ocsf = await downloaded(page, 'alerts-export-ocsf');
    await visit(page, '/leaks');
    const sarif = await downloaded(page, 'leaks-export-sarif');

    expect(csv.name).toMatch(/^nhi-alerts-demo-.*\.csv$/);
    expect(csv.text.split('\n')[0]).toMatch(/^id,fingerprint,rule_id,title,/);
    const events = ocsf.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThan(0);
    // The link carries the queue's filter: open and acknowledged alerts only.
    expect(new Set(events.map((event) => event.status))).toEqual(new Set(['New']));
    expect(events[0]).toMatchObject({ class_uid: 2004, category_uid: 2 });
    expect(sarif.name).toMatch(/\.sarif$/);
    expect(JSON.parse(sarif.text)).toMatchObject({
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'NHI Hub' } } }],
    });
  });
});
