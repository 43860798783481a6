import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'scanner',
    include: ['src/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    // A scan test opens a database, installs the job queue's schema and waits for a background job:
    // seconds on a small machine, much more while other packages' database tests share its two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
