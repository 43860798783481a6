import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'policy',
    include: ['src/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // Opening PGlite and building the first migrated template takes seconds on a small machine.
    // A fixture case makes many changes, each a transaction with two reads of the realm's policy data.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
