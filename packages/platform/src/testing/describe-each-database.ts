import { afterAll, beforeAll, beforeEach, describe, onTestFinished } from 'vitest';
import type { DatabaseKind } from '../database/platform-database.ts';
import {
  createTestDatabase,
  databaseKinds,
  postgresUnavailableReason,
  releaseIdleTestDatabases,
  type TestDatabase,
  type TestDatabaseOptions,
} from './test-database.ts';

/** Creates a fresh migrated database, discarded when the current test finishes. Call it inside a test. */
export type NewTestDatabase = (options?: TestDatabaseOptions) => Promise<TestDatabase>;

let warned = false;

/**
 * Declares the suite once per database kind, so every behaviour is checked on PGlite and on
 * PostgreSQL. When PostgreSQL is unreachable its variant is skipped with a warning, except with
 * CI=true, where that is a failure: CI must not pass without having run against PostgreSQL.
 */
export function describeEachDatabase(
  name: string,
  fn: (kind: DatabaseKind, newDatabase: NewTestDatabase) => void,
) {
  for (const kind of databaseKinds) {
    describe(`${name} [${kind}]`, () => {
      if (kind === 'postgres') {
        let unavailable: string | undefined;
        beforeAll(async () => {
          unavailable = await postgresUnavailableReason();
          if (unavailable && process.env.CI === 'true') {
            throw new Error(`${unavailable}. CI=true requires PostgreSQL (set TEST_DATABASE_URL).`);
          }
          if (unavailable && !warned) {
            warned = true;
            console.warn(`\n⚠ Skipping PostgreSQL tests: ${unavailable}\n`);
          }
        });
        beforeEach((context) => {
          if (unavailable) context.skip(unavailable);
        });
        afterAll(() => releaseIdleTestDatabases());
      }
      fn(kind, async (options) => {
        const db = await createTestDatabase(kind, { reuse: true, ...options });
        onTestFinished(() => db.close());
        return db;
      });
    });
  }
}
