// Synthetic demo data: the quick start's demo realm and `nhi seed --demo`.
export { defaultDemoCount, defaultDemoSeed, generateDemoInventory } from './demo-generator.ts';
export type { DemoCredential, DemoInventoryOptions, DemoNhi } from './demo-inventory.ts';
export {
  type DemoSeedOptions,
  type DemoSeedResult,
  demoOwnerEmails,
  demoRealmName,
  demoRealmSlug,
  demoSeededAction,
  seedDemoRealm,
} from './demo-seed.ts';
