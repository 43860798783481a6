import { RealmAdminService, RealmDb } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { adminEmail, seededDataDir, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub } from './support/session.ts';

const dayMs = 86_400_000;
/** Days before today each identity was first seen, at noon UTC: counted from the next day on. */
const firstSeenDaysAgo = [12, 9, 5, 3, 1];

const dayOf = (instant: number) => new Date(instant).toISOString().slice(0, 10);
const noonDaysAgo = (days: number) => new Date(`${dayOf(Date.now() - days * dayMs)}T12:00:00Z`);

/** The hub realm with identities first seen over the last days, and no daily snapshot yet. */
async function seedFirstSeenOverDays(dataDir: string): Promise<void> {
  await withSeedingRuntime(dataDir, async (runtime) => {
    const { realm } = await runtime.root.resolve(RealmAdminService).findMember(adminEmail, 'hub');
    await new RealmDb(runtime.database, realm.id).transaction((tx) =>
      tx.nhi.createMany({
        data: firstSeenDaysAgo.map((days) => ({
          kind: 'service_account' as const,
          provider: 'aws' as const,
          externalId: `arn:aws:iam::123456789012:user/seen-${days}-days-ago`,
          name: `seen-${days}-days-ago`,
          firstSeenAt: noonDaysAgo(days),
        })),
      }),
    );
  });
}

async function setup() {
  const { dataDir } = await seededDataDir(seedFirstSeenOverDays);
  const page = await openPage(await startReadyHub(dataDir), { viewport: { width: 1280, height: 900 } });
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await page.getByTestId('trends').waitFor();
  return { page, cspViolations };
}

/** The trend table's rows, oldest first: day, value and whether it is estimated. */
async function trendRows(page: Page, id: string) {
  return page.locator(`[data-testid=table-${id}] tbody tr`).evaluateAll((rows) =>
    rows.map((row) => ({
      day: row.querySelector('th')?.textContent?.slice(0, 10) ?? '',
      value: Number(row.querySelector('td')?.textContent),
      estimated: row.getAttribute('data-estimated') === 'true',
    })),
  );
}

describe('dashboard trends in a browser', () => {
  it('estimates the days before the first snapshot from first-seen dates, marked apart, over the chosen range', async () => {
    const { page, cspViolations } = await setup();
    const today = dayOf(Date.now());

    const rows = await trendRows(page, 'trend-identities');
    expect(rows[0]).toEqual({ day: dayOf(Date.now() - 11 * dayMs), value: 1, estimated: true });
    expect(rows.at(-1)).toEqual({ day: today, value: firstSeenDaysAgo.length, estimated: false });
    expect(rows.slice(0, -1).every((row) => row.estimated)).toBe(true);
    expect(rows.map((row) => row.value)).toEqual([...rows.map((row) => row.value)].sort((a, b) => a - b));
    expect(await page.getByTestId('trend-identities-estimated').textContent()).toMatch(
      /11 days before the first daily snapshot: estimated from first-seen dates/,
    );
    // The estimated days are a dashed line of their own.
    await page
      .locator('[data-testid=chart-trend-identities] .dash-line-estimated path[stroke-dasharray]')
      .waitFor();
    // Past risk scores cannot be estimated: that trend waits for snapshots.
    expect(await page.getByTestId('trend-risk-pending').count()).toBe(1);
    await screenshot(page, 'dashboard-trends-estimated');

    await page.getByTestId('trend-range-7').click();
    await page.waitForURL((url) => url.searchParams.get('days') === '7');
    await expect.poll(async () => (await trendRows(page, 'trend-identities')).length).toBe(8);
    const week = await trendRows(page, 'trend-identities');
    expect(week[0]?.day).toBe(dayOf(Date.now() - 7 * dayMs));
    expect(await page.getByTestId('card-trend-identities').textContent()).toMatch(/NHIs known, last 7 days/);
    expect(await axeViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
