import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'dashboard',
    include: ['src/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // Opening PGlite, building the first migrated template and starting the job queue take tens of
    // seconds on a small machine busy with other test runs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
