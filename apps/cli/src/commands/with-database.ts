import type { Logger } from '@nhi/platform';
import { createCliLogger, loadConfig, openDatabase, type PlatformDatabase } from '@nhi/platform';
import type { CliIo } from '../cli-io.ts';

/** Schema commands need the database only, not the services that expect a migrated schema. */
export async function withDatabase<T>(
  io: CliIo,
  action: (database: PlatformDatabase, logger: Logger) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env);
  const logger = createCliLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, logger });
  try {
    return await action(database, logger);
  } finally {
    await database.close();
  }
}
