import fs from 'node:fs/promises';
import path from 'node:path';
import { RealmAdminService } from '@nhi/platform';
import { PolicyService, registerPolicy } from '@nhi/policy';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { adminEmail, seededDataDir, seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';
import { addSource } from './support/sources.ts';

/** A namespace labelled for the payments team with one account, and an account labelled itself. */
const manifests = `
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: { team: payments }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: checkout, namespace: payments }
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reporter
  namespace: ci
  labels: { team: Payments }
`;

/** The hub realm with a group named like the label's value. */
async function seedPaymentsGroup(dataDir: string): Promise<void> {
  await withSeedingRuntime(
    dataDir,
    async (runtime) => {
      const { realm } = await runtime.root.resolve(RealmAdminService).findMember(adminEmail, 'hub');
      const scope = await seedingScope(runtime, { id: realm.id, slug: realm.slug });
      await scope.container.resolve(PolicyService).createGroup({ name: 'payments' });
    },
    { modules: [registerPolicy] },
  );
}

/** Uploads the manifests on the cluster's row and waits until the scan succeeded. */
async function scan(page: Page, cluster: Locator, file: string) {
  await cluster.locator('select[aria-label="What the file is"]').selectOption('k8s.manifests');
  await cluster.getByTestId('scan-file-input').setInputFiles(file);
  await cluster.getByTestId('scan-file-submit').click();
  await page.waitForURL('**/scans/**');
  await expect
    .poll(() => page.getByTestId('scan-detail').getAttribute('data-state'), { timeout: 60_000 })
    .toBe('succeeded');
}

const row = (page: Page, name: string) =>
  page.locator(`[data-testid=suggestion-row][data-nhi-name="${name}"]`);

describe('ownership suggestions', () => {
  it('suggests the team a label names after a scan; accepted it owns, rejected it stays gone', async () => {
    const { dataDir } = await seededDataDir(seedPaymentsGroup);
    const file = path.join(dataDir, 'cluster.yaml');
    await fs.writeFile(file, manifests);
    const page = await openPage(await startReadyHub(dataDir));
    const cspViolations = collectCspViolations(page);
    await logIn(page);
    const cluster = await addSource(page, {
      type: 'kubernetes',
      name: 'prod cluster',
      fillSettings: (form) => form.locator('input[name="setting.cluster"]').fill('prod'),
    });
    await scan(page, cluster, file);

    // The end of the scan runs the rules in the background; the inventory links to their outcome.
    await visit(page, '/inventory');
    await page.getByTestId('suggestions-link').click();
    await page.waitForURL((url) => url.pathname.endsWith('/inventory/suggestions'));
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('suggestions-page').waitFor();
          return page.getByTestId('suggestion-row').count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(2);
    expect(await row(page, 'payments/checkout').textContent()).toContain('namespace label team=payments');
    expect(await row(page, 'ci/reporter').getByTestId('suggestion-owner').textContent()).toBe('payments');
    expect(await page.getByTestId('suggestion-group').textContent()).toContain('2 identities');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'ownership-suggestions');

    await row(page, 'payments/checkout').getByTestId('suggestion-accept').click();
    await expect
      .poll(() => page.getByTestId('suggestions-notice').textContent())
      .toContain('owned by payments');
    await expect.poll(() => page.getByTestId('suggestion-row').count()).toBe(1);

    // The other one is decided on its identity's page, beside its (missing) owner.
    await row(page, 'ci/reporter').getByRole('link', { name: 'ci/reporter' }).click();
    await page.getByTestId('nhi-page').waitFor();
    const suggestion = page.getByTestId('nhi-owner-suggestion');
    await expect.poll(() => suggestion.textContent()).toContain('Payments');
    expect(await axeViolations(page)).toEqual([]);
    await suggestion.getByTestId('suggestion-reject').click();
    await expect
      .poll(() => page.getByTestId('suggestion-notice').textContent())
      .toContain('Rejected payments');
    expect(await page.getByTestId('nhi-owner-group').textContent()).toBe('None');

    await visit(page, '/inventory');
    await page.getByRole('link', { name: 'payments/checkout' }).click();
    await page.getByTestId('nhi-page').waitFor();
    expect(await page.getByTestId('nhi-owner-group').textContent()).toBe('payments');
    expect(await page.getByTestId('nhi-owner-suggestions').count()).toBe(0);

    // A rescan of the same cluster, and the rules run again: the rejected suggestion is not back.
    await visit(page, '/sources');
    await scan(page, page.getByTestId('source-row-prod cluster'), file);
    await visit(page, '/inventory/suggestions');
    await page.getByTestId('suggestions-refresh').click();
    await expect.poll(() => page.getByTestId('suggestions-notice').textContent()).toContain('0 new');
    expect(await page.getByTestId('suggestions-total').textContent()).toBe('(0)');
    expect(await page.getByTestId('suggestion-row').count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });
});
