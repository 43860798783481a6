import path from 'node:path';
import type { Config } from '../config/config.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { Logger } from '../logging/logger.ts';
import type { PlatformRuntime } from '../runtime/platform-runtime.ts';
import { pruneBackups, scheduledBackupName, writeBackupFile } from './backup-files.ts';
import { writeBackup } from './write-backup.ts';

export const backupJobName = 'platform.backup';
const scheduleKey = 'backup';

/** NHI_BACKUP_DIR, or `backups` in the data directory. */
export function backupDir(config: Pick<Config, 'NHI_BACKUP_DIR' | 'dataDir'>): string {
  return config.NHI_BACKUP_DIR ? path.resolve(config.NHI_BACKUP_DIR) : path.join(config.dataDir, 'backups');
}

/**
 * Writes one backup into `dir` under its time's name and removes the oldest beyond `keep`.
 * Retention runs only after a complete backup: a failing backup never costs an older one.
 */
export async function writeScheduledBackup(
  database: PlatformDatabase,
  dir: string,
  keep: number,
  now = new Date(),
): Promise<{ file: string; rows: number; removed: string[] }> {
  const file = path.join(dir, scheduledBackupName(now));
  const summary = await writeBackupFile(file, (output) => writeBackup(database, output));
  const rows = Object.values(summary.rows).reduce((sum, count) => sum + count, 0);
  return { file, rows, removed: pruneBackups(dir, keep) };
}

/**
 * Scheduled backups (NHI_BACKUP_SCHEDULE, a cron expression in UTC) through the job queue's
 * schedules, so that with several hub processes on one PostgreSQL one of them writes each backup.
 * The job belongs to the `hub` realm, as every job belongs to a realm. Unsetting the setting
 * removes the schedule at the next start.
 */
export async function scheduleBackups(runtime: PlatformRuntime): Promise<void> {
  const { jobs, config, database, logger } = runtime;
  if (!jobs) return;
  const hub = await database.systemPrisma.realm.findUnique({ where: { slug: 'hub' }, select: { id: true } });
  if (!hub) return;
  const dir = backupDir(config);
  // A schedule that cannot be kept stops the start, before any handler is registered.
  if (config.NHI_BACKUP_SCHEDULE)
    await jobs
      .schedule(backupJobName, scheduleKey, config.NHI_BACKUP_SCHEDULE, { realmId: hub.id })
      .catch((error: unknown) => {
        throw new Error(`NHI_BACKUP_SCHEDULE is not a valid cron expression: ${(error as Error).message}`);
      });
  else await jobs.unschedule(backupJobName, scheduleKey);
  await jobs.register(
    backupJobName,
    () => runScheduledBackup(database, dir, config.NHI_BACKUP_KEEP, logger),
    {
      retryLimit: 1,
      expireInSeconds: 6 * 3600,
    },
  );
  if (config.NHI_BACKUP_SCHEDULE)
    logger.info(
      { schedule: config.NHI_BACKUP_SCHEDULE, dir, keep: config.NHI_BACKUP_KEEP },
      'backups scheduled',
    );
}

async function runScheduledBackup(database: PlatformDatabase, dir: string, keep: number, logger: Logger) {
  const started = Date.now();
  const { file, rows, removed } = await writeScheduledBackup(database, dir, keep);
  logger.info({ file, rows, removed: removed.length, ms: Date.now() - started }, 'scheduled backup written');
}
