import { type PlatformRuntime, scheduleBackups, startBackupEndpoint } from '@nhi/platform';

/**
 * Scheduled backups (NHI_BACKUP_SCHEDULE) and, on the embedded database, the local endpoint that
 * `nhi backup` asks while the hub holds the data directory. Returns what stops the endpoint.
 */
export async function startBackups(runtime: PlatformRuntime): Promise<() => Promise<void>> {
  await scheduleBackups(runtime);
  if (runtime.database.kind !== 'pglite') return async () => {};
  const endpoint = await startBackupEndpoint({
    dataDir: runtime.config.dataDir,
    database: runtime.database,
    logger: runtime.logger,
  });
  return () => endpoint.close();
}
