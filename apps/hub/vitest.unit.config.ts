import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'hub-unit',
    include: ['src/**/*.test.{ts,tsx}'],
    // As in the server entry: the Reflect polyfill before any service module.
    setupFiles: ['reflect-metadata'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
