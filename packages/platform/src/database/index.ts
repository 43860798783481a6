export {
  CrossRealmAccessError,
  DataDirLockedError,
  inputErrorOf,
  MigrationError,
  sqlStateOf,
} from './database-errors.ts';
export {
  type ApplyMigrationsOptions,
  type ApplyMigrationsResult,
  applyMigrations,
  type MigrationStatus,
  markMigrationRolledBack,
  migrationStatus,
} from './migrate.ts';
export {
  type CreatedMigration,
  checkDrift,
  createMigration,
  type MigrationEngineOptions,
} from './migration-engine.ts';
export { defaultMigrationsDir } from './migration-files.ts';
export { IN_MEMORY, type OpenDatabaseOptions, openDatabase } from './open-database.ts';
export type {
  DatabaseKind,
  JobStore,
  PlatformDatabase,
  PoolStats,
  StatementRunner,
  SystemConnection,
} from './platform-database.ts';
export {
  APPLICATION_ROLE,
  RealmDb,
  type RealmQuery,
  type RealmReadOptions,
  type RealmTransactionOptions,
  type RealmTx,
} from './realm-db.ts';
export { realmDbProvider } from './realm-db-provider.ts';
export { findUnisolatedRealmTables, type UnisolatedTable } from './realm-isolation-check.ts';
export { emptySql, joinSql, type Sql, sql, trustedSql } from './sql-fragments.ts';
export { analyzeAfterBulkWrite, analyzeTablesWrittenInBulk, bulkWriteRows } from './table-statistics.ts';
export { PLATFORM_DATABASE, REALM_DB } from './tokens.ts';
export {
  cancellationErrorOf,
  currentWork,
  defaultStatementTimeouts,
  runAsWork,
  StatementCancelledError,
  type StatementTimeouts,
  type WorkKind,
  type WorkScope,
} from './work-scope.ts';
