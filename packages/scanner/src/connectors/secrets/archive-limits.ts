/**
 * What an uploaded archive may expand to. The upload itself is size-limited before it is stored, but
 * a few kilobytes of zip or gzip can expand to gigabytes (a zip bomb): the bytes are counted as they
 * are decompressed, never taken from the archive's own headers, and unpacking stops at the limit.
 */
export const archiveLimits = {
  /** Uncompressed bytes of all entries together. */
  totalBytes: 512 * 1024 * 1024,
  /** Entries (files and directories). */
  entries: 50_000,
};

export class ArchiveLimitError extends Error {}

export function tooLarge(what: string, limits = archiveLimits): ArchiveLimitError {
  return new ArchiveLimitError(
    `${what} expands to more than ${limits.totalBytes} bytes, the limit for an upload's content`,
  );
}
