import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Writes a backup to `file` through a partial file beside it, renamed once complete: a file of
 * that name is always a whole backup, whatever broke off its writing. Readable by its owner only:
 * a backup holds everything the database does (secrets stay encrypted as they are stored).
 */
export async function writeBackupFile<T>(
  file: string,
  produce: (output: Writable) => Promise<T>,
): Promise<T> {
  const partial = `${file}.partial`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const output = fs.createWriteStream(partial, { mode: 0o600, flags: 'w' });
  try {
    const result = await produce(output);
    // The producers end the stream through a pipeline, which waits for it to finish; this is for any other.
    if (!output.writableFinished) await finished(output);
    fs.renameSync(partial, file);
    return result;
  } catch (error) {
    output.destroy();
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

const scheduledName = /^nhi-backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.jsonl\.gz$/;

/** A scheduled backup's file name: its time, in a form that sorts as the times do. */
export function scheduledBackupName(at: Date): string {
  return `nhi-backup-${at.toISOString().replace(/[:.]/g, '-')}.jsonl.gz`;
}

/**
 * Deletes the scheduled backups in `dir` beyond the `keep` newest (by the time in their names).
 * Files of other names are someone else's and stay. Returns the names removed.
 */
export function pruneBackups(dir: string, keep: number): string[] {
  const names = fs
    .readdirSync(dir)
    .filter((name) => scheduledName.test(name))
    .sort()
    .reverse();
  const removed = names.slice(Math.max(keep, 1));
  for (const name of removed) fs.rmSync(path.join(dir, name), { force: true });
  return removed;
}
