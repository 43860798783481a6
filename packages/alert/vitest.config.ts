import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'alert',
    include: ['src/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // Opening PGlite and building the first migrated template takes seconds on a small machine, and
    // tens of seconds while the other packages' tests and the browser suite share its two cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
