/** Every vitest project in the repository; the root vitest.config.ts imports this list. */
export const projects = [
  'packages/*/vitest.config.ts',
  'apps/cli/vitest.config.ts',
  'apps/hub/vitest.unit.config.ts',
  'apps/hub/vitest.e2e.config.ts',
];
