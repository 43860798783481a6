import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { seedDemo, seededDataDir } from './support/seed.ts';
import { logIn, openPage, startReadyHub, switchToDemoRealm, visit } from './support/session.ts';

describe('posture report in a browser', () => {
  it('opens from the dashboard with its charts drawn on the server, and downloads as a PDF', async () => {
    const { dataDir } = await seededDataDir(seedDemo);
    const page = await openPage(await startReadyHub(dataDir), { viewport: { width: 1280, height: 900 } });
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    await switchToDemoRealm(page);
    await visit(page, '/alerts');
    await page.getByTestId('evaluate-alerts').click();
    await expect
      .poll(() => page.getByTestId('alerts-message').textContent())
      .toMatch(/Evaluated: \d+ opened/);
    await visit(page, '/');
    await page.getByTestId('dashboard-posture-report').click();
    await page.getByTestId('posture-report').waitFor();

    expect(page.url()).toMatch(/\/r\/demo\/reports\/posture$/);
    expect(
      await page.locator('[data-testid=posture-report] svg.report-chart').count(),
    ).toBeGreaterThanOrEqual(6);
    expect(await page.getByTestId('report-headline').textContent()).toMatch(/Open alerts\s*[1-9]\d*/);
    expect(await page.locator('[data-testid=report-owasp] tbody tr').count()).toBe(10);
    await page.getByTestId('report-schedules').waitFor();
    await screenshot(page, 'posture-report');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('report-download-pdf').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^posture-report-demo-\d{4}-\d{2}-\d{2}\.pdf$/);
    const pdf = await readFile(await download.path());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(cspViolations).toEqual([]);
  });
});
