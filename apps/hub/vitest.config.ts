import { defineConfig } from 'vitest/config';

/** For runs inside this package; the repository's root config lists the two project files itself. */
export default defineConfig({
  test: { projects: ['./vitest.unit.config.ts', './vitest.e2e.config.ts'] },
});
