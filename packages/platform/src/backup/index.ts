export {
  type BackupEndpoint,
  isLoopbackAddress,
  requestBackupFromHub,
  startBackupEndpoint,
} from './backup-endpoint.ts';
export { pruneBackups, scheduledBackupName, writeBackupFile } from './backup-files.ts';
export {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupFormatError,
  type BackupHeader,
} from './backup-format.ts';
export { backupDir, backupJobName, scheduleBackups, writeScheduledBackup } from './backup-schedule.ts';
export {
  BackupMigrationMismatchError,
  BackupTargetNotEmptyError,
  type RestoreOptions,
  type RestoreSummary,
  readBackupHeader,
  restoreBackup,
} from './restore-backup.ts';
export { type BackupSummary, type WriteBackupOptions, writeBackup } from './write-backup.ts';
