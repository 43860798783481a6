import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Adds a scanner source on the sources page and returns its row once listed. `fillSettings` types
 * what the source type asks for beyond its name (a token, say).
 */
export async function addSource(
  page: Page,
  source: { type: string; name: string; fillSettings?: (form: Locator) => Promise<void> },
): Promise<Locator> {
  await page.getByTestId('nav-sources').click();
  const form = page.locator('[data-testid=add-source-form][data-ready=true]');
  await form.waitFor();
  await page.getByTestId('source-type').selectOption(source.type);
  await page.getByTestId('source-name').fill(source.name);
  await source.fillSettings?.(form);
  await page.getByTestId('add-source-submit').click();
  const row = page.getByTestId(`source-row-${source.name}`);
  await row.waitFor();
  return row;
}

/** Uploads `file` to a source's row for a scan, and waits on the scan's page until it succeeded. */
export async function scanFile(page: Page, row: Locator, file: string): Promise<void> {
  await row.getByTestId('scan-file-input').setInputFiles(file);
  await row.getByTestId('scan-file-submit').click();
  await page.waitForURL('**/scans/**');
  await expect.poll(() => page.getByTestId('scan-detail').getAttribute('data-state')).toBe('succeeded');
}
