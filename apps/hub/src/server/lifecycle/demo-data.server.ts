import { seedDemoRealm } from '@nhi/nhi/demo';
import type { PlatformRuntime } from '@nhi/platform';

/**
 * With NHI_DEMO_DATA (the quick start sets it), a start that finds no seeded demo realm seeds
 * one, so a new user sees a working product; later starts leave it as it is. A failure is
 * logged, not fatal: the hub is usable without its demo.
 */
export async function seedDemoOnFirstStart(runtime: PlatformRuntime): Promise<void> {
  // A worker's realms are placed on it by the hub; it has no users to show a demo to.
  if (!runtime.config.NHI_DEMO_DATA || runtime.config.NHI_MODE === 'worker') return;
  try {
    const result = await seedDemoRealm(runtime.root, {
      adminEmail: runtime.config.NHI_ADMIN_EMAIL,
      onlyIfNew: true,
      logger: runtime.logger,
    });
    if (!result.seeded) runtime.logger.debug({ realm: result.realm.slug }, 'demo realm already seeded');
  } catch (error) {
    runtime.logger.error({ err: error }, 'could not seed the demo realm');
  }
}
