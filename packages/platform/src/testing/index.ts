export {
  ManualClock,
  setupHub,
  startHub,
  temporaryDir,
  testPassword,
} from '../auth/auth-test-setup.ts';
export { describeEachDatabase, type NewTestDatabase } from './describe-each-database.ts';
export { registerScopedMembers, type ScopedMember } from './scoped-members.ts';
export {
  createTestDatabase,
  databaseKinds,
  postgresUnavailableReason,
  type TestDatabase,
  type TestDatabaseOptions,
  testPostgresUrl,
  writeMigratedPgliteDataDir,
} from './test-database.ts';
export { deleteKeys, redisUnavailableReason, testRedisPrefix, testRedisUrl } from './test-redis.ts';
export { startTestWorker } from './test-worker.ts';
export { type TrpcAnswer, trpcOverHttp } from './trpc-over-http.ts';
