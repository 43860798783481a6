import { NhiService } from '@nhi/nhi';
import { RealmAdminService } from '@nhi/platform';
import { PolicyService, registerPolicy } from '@nhi/policy';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { adminEmail, seededDataDir, seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

const ownerEmail = 'owner@nhi.local';
const teamName = 'Platform team';

/** The hub realm with a second member, a group that can own identities, and one unowned identity. */
async function seedUnownedIdentity(dataDir: string): Promise<string> {
  return withSeedingRuntime(
    dataDir,
    async (runtime) => {
      const realmAdmin = runtime.root.resolve(RealmAdminService);
      await realmAdmin.createUser({ email: ownerEmail, realmSlug: 'hub', role: 'editor' });
      const { realm } = await realmAdmin.findMember(adminEmail, 'hub');
      const scope = await seedingScope(runtime, { id: realm.id, slug: realm.slug });
      await scope.container.resolve(PolicyService).createGroup({ name: teamName });
      const nhi = await scope.container.resolve(NhiService).create({
        kind: 'service_account',
        provider: 'aws',
        externalId: 'arn:aws:iam::123456789012:user/orphan-deployer',
        name: 'orphan-deployer',
      });
      return nhi.id;
    },
    { modules: [registerPolicy] },
  );
}

async function setup() {
  const { dataDir, value: nhiId } = await seededDataDir(seedUnownedIdentity);
  const page = await openPage(await startReadyHub(dataDir));
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  await visit(page, `/inventory/${nhiId}`);
  await page.getByTestId('nhi-page').waitFor();
  return { page, cspViolations, identityPath: new URL(page.url()).pathname };
}

/** Opens the owner dialog, searches, picks the option shown with `label` and saves. */
async function chooseOwner(page: Page, search: string, label: string) {
  const version = Number(await page.getByTestId('nhi-page').getAttribute('data-version'));
  await page.getByTestId('owner-change').click();
  await page.getByTestId('owner-dialog').waitFor();
  await page.getByTestId('owner-search').fill(search);
  await page.getByTestId('owner-option').filter({ hasText: label }).click();
  await page.getByTestId('owner-save').click();
  await page.getByTestId('owner-dialog').waitFor({ state: 'detached' });
  await page.locator(`[data-testid=nhi-page][data-version="${version + 1}"]`).waitFor();
}

describe('changing the owner in place', () => {
  it('assigns a person then a team from the identity page, shown there and in the timeline', async () => {
    const { page, cspViolations } = await setup();
    const trigger = page.getByTestId('owner-change');
    expect(await trigger.textContent()).toBe('Assign owner');
    expect(await page.getByTestId('owner-unowned').count()).toBe(1);

    await trigger.click();
    await page.getByTestId('owner-search').fill('owner@');
    // The search narrows the list to what matches the words shown.
    await expect.poll(() => page.getByTestId('owner-option').count()).toBe(1);
    await page.getByTestId('owner-search').fill('');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'owner-in-place-dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('owner-dialog').waitFor({ state: 'detached' });
    expect(await trigger.evaluate((element) => element === document.activeElement)).toBe(true);

    await chooseOwner(page, 'owner@', ownerEmail);
    expect(await page.getByTestId('nhi-owner').textContent()).toContain(ownerEmail);
    expect(await trigger.textContent()).toBe('Change owner');
    expect(await trigger.evaluate((element) => element === document.activeElement)).toBe(true);

    await chooseOwner(page, 'platform', teamName);
    expect(await page.getByTestId('nhi-owner-group').textContent()).toBe(teamName);
    expect(await page.getByTestId('nhi-owner').textContent()).toContain(ownerEmail);

    await page.getByTestId('nhi-tab-timeline').click();
    const entries = page.getByTestId('timeline-entry');
    await expect.poll(() => entries.filter({ hasText: /Version 2: Owner · by/ }).count()).toBe(1);
    expect(await entries.filter({ hasText: /Version 3: Owner group · by/ }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('saved by someone else meanwhile: shows the comparison, and overwriting keeps their team beside our person', async () => {
    const { page, cspViolations, identityPath } = await setup();
    const otherTab = await page.context().newPage();
    const otherCsp = collectCspViolations(otherTab);
    await visit(otherTab, identityPath);
    await otherTab.getByTestId('nhi-page').waitFor();

    await chooseOwner(otherTab, 'platform', teamName);
    await page.getByTestId('owner-change').click();
    await page.getByTestId('owner-search').fill('owner@');
    await page.getByTestId('owner-option').filter({ hasText: ownerEmail }).click();
    await page.getByTestId('owner-save').click();

    const conflict = page.getByTestId('conflict-dialog');
    await conflict.waitFor();
    expect(
      await conflict.locator('[data-testid=conflict-field][data-field=ownerGroupId]').textContent(),
    ).toContain(teamName);
    expect(
      await conflict.locator('[data-testid=conflict-field][data-field=ownerUserId]').textContent(),
    ).toContain(ownerEmail);
    await page.getByTestId('conflict-overwrite').click();
    await conflict.waitFor({ state: 'detached' });

    await page.locator('[data-testid=nhi-page][data-version="3"]').waitFor();
    expect(await page.getByTestId('nhi-owner').textContent()).toContain(ownerEmail);
    expect(await page.getByTestId('nhi-owner-group').textContent()).toBe(teamName);
    expect([...cspViolations, ...otherCsp]).toEqual([]);
  });
});
