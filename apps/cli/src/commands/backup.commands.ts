import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import {
  applyMigrations,
  type Config,
  createCliLogger,
  DataDirLockedError,
  loadConfig,
  migrationStatus,
  openDatabase,
  type PlatformDatabase,
  readBackupHeader,
  requestBackupFromHub,
  restoreBackup,
  writeBackup,
  writeBackupFile,
} from '@nhi/platform';
import type { Command } from 'commander';
import { CliError, type CliIo } from '../cli-io.ts';

export function registerBackupCommands(program: Command, io: CliIo): void {
  program
    .command('backup')
    .description(
      'Write a backup of the whole database to a file; the embedded database is backed up by the running hub when there is one',
    )
    .requiredOption('--to <file>', 'the file to write (gzip-compressed JSON lines); must not exist yet')
    .action(async (options: { to: string }) => {
      const config = loadConfig(io.env);
      const file = path.resolve(options.to);
      if (fs.existsSync(file)) throw new CliError(`${options.to} exists already: choose a new file name`);
      const source = await writeBackupFile(file, (output) => backUp(config, output));
      const header = await readBackupHeader(fs.createReadStream(file));
      io.stdout.write(
        `Wrote ${options.to} (${fs.statSync(file).size} bytes) ${source}: ${header.tables.length} tables, ` +
          `${header.migrations.length} migrations, taken at ${header.takenAt}.\n`,
      );
    });

  program
    .command('restore')
    .description(
      'Restore a backup into the configured database, which must be empty (or --force) and at the backup migration state; a new one is migrated first',
    )
    .requiredOption('--from <file>', 'a file written by nhi backup')
    .option('--force', 'replace everything the database holds', false)
    .action(async (options: { from: string; force: boolean }) => {
      const config = loadConfig(io.env);
      const file = path.resolve(options.from);
      if (!fs.existsSync(file)) throw new CliError(`${options.from} does not exist`);
      const header = await readBackupHeader(fs.createReadStream(file));
      const database = await openForRestore(config);
      try {
        const migrated = await migrateNewDatabase(database, header.migrations);
        if (migrated > 0) io.stdout.write(`Migrated the new database (${migrated} migrations).\n`);
        const restored = await restoreBackup(database, fs.createReadStream(file), { force: options.force });
        const rows = Object.values(restored.rows).reduce((sum, count) => sum + count, 0);
        io.stdout.write(
          `Restored ${options.from}: ${rows} rows in ${header.tables.length} tables, ` +
            `taken at ${header.takenAt} from ${header.database === 'pglite' ? 'the embedded database' : 'PostgreSQL'}.\n`,
        );
      } finally {
        await database.close();
      }
    });
}

function logger(config: Config) {
  return createCliLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
}

/** Writes the backup and says where it was taken, for the command's answer. */
async function backUp(config: Config, output: Writable): Promise<string> {
  let database: PlatformDatabase;
  try {
    database = await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.dataDir,
      logger: logger(config),
    });
  } catch (error) {
    // A hub holds the embedded database: it takes the backup, in its own snapshot.
    if (!(error instanceof DataDirLockedError)) throw error;
    await requestBackupFromHub(config.dataDir, output);
    return 'from the running hub';
  }
  try {
    const summary = await writeBackup(database, output);
    if (summary.header.migrations.length === 0)
      throw new CliError('The database was never migrated: there is nothing to back up');
    return config.DATABASE_URL ? 'from PostgreSQL' : 'from the embedded database';
  } finally {
    await database.close();
  }
}

async function openForRestore(config: Config): Promise<PlatformDatabase> {
  try {
    return await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.dataDir,
      logger: logger(config),
    });
  } catch (error) {
    if (error instanceof DataDirLockedError)
      throw new CliError(
        `A hub is running on ${config.dataDir}: stop it before restoring, the restore replaces the database under it`,
      );
    throw error;
  }
}

/**
 * A database without any migration is brought to the backup's state first, when this version's
 * migrations are exactly the backup's: restoring into a new database is then one command. Any
 * other state is left for the restore to judge (and refuse, naming both states).
 */
async function migrateNewDatabase(database: PlatformDatabase, wanted: string[]): Promise<number> {
  const status = await migrationStatus(database).catch(() => undefined);
  if (!status || status.applied.length > 0) return 0;
  if (status.pending.length !== wanted.length || status.pending.some((name, i) => name !== wanted[i]))
    return 0;
  return (await applyMigrations(database)).applied.length;
}
