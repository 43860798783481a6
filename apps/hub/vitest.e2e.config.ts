import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'hub-e2e',
    // Drives the built server (.output), which the build task produces first.
    include: ['e2e/**/*.e2e.ts'],
    setupFiles: ['reflect-metadata'],
    globalSetup: ['e2e/support/started-data-dir.global.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One hub process and one browser at a time: two cores.
    fileParallelism: false,
    // A browser waits on debounced input, navigation and the server; on a machine busy with the other
    // packages' database tests one second (vitest's default) is not enough for that round trip.
    expect: { poll: { timeout: 15_000 } },
  },
});
