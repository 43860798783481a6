import { RealmAdminService } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { adminEmail, withSeedingRuntime } from './seed.ts';

/**
 * A realm of its own, `slug`, with the e2e admin as its admin: for a test on a shared hub that
 * asserts what an empty realm shows (no sources yet, say) while the others fill the hub realm.
 */
export function seedAdminRealm(slug: string): (dataDir: string) => Promise<void> {
  return (dataDir) =>
    withSeedingRuntime(dataDir, async (runtime) => {
      const realmAdmin = runtime.root.resolve(RealmAdminService);
      await realmAdmin.createRealm({ slug, name: slug });
      await realmAdmin.createUser({ email: adminEmail, realmSlug: slug, role: 'admin' });
    });
}

/** Switches the session to `slug` on the who-am-I page, and waits until it answers for it. */
export async function switchToRealm(page: Page, slug: string): Promise<void> {
  await page.getByTestId('nav-whoami').click();
  await page.waitForURL('**/me');
  await page.getByTestId('whoami-email').waitFor();
  await page.getByTestId('realm-switcher').selectOption(slug);
  await expect.poll(() => page.getByTestId('whoami-realm-slug').textContent()).toBe(slug);
}
