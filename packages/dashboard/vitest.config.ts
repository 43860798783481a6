import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'dashboard',
    include: ['src/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // Opening PGlite and building the first migrated template takes seconds on a small machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
