import { Unzip, UnzipInflate } from 'fflate';
import type { ScanWarning } from '../connector.ts';
import { ArchiveLimitError, archiveLimits, tooLarge } from './archive-limits.ts';

export const isZip = (data: Buffer) =>
  data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && (data[2] === 0x03 || data[2] === 0x05);

export interface ZipEntry {
  path: string;
  content: Buffer;
}

/**
 * The regular files of a zip archive, read entry by entry. Uncompressed bytes are counted as they
 * come out of the decompressor, so an archive that lies about its sizes is stopped all the same.
 * Entries larger than `maxEntryBytes` are reported by `onTooLarge` and not kept.
 */
export function entriesOfZip(
  zip: Buffer,
  maxEntryBytes: number,
  warnings: ScanWarning[],
  onTooLarge: (path: string) => void,
  limits: typeof archiveLimits = archiveLimits,
): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let count = 0;
  let total = 0;
  const unzip = new Unzip((file) => {
    count += 1;
    if (count > limits.entries)
      throw new ArchiveLimitError(`The zip archive has more than ${limits.entries} entries`);
    if (file.name.endsWith('/')) return;
    const chunks: Uint8Array[] = [];
    let size = 0;
    file.ondata = (error, data, final) => {
      if (error) throw new Error(`${file.name}: ${error.message}`);
      total += data.length;
      size += data.length;
      if (total > limits.totalBytes) throw tooLarge('The zip archive', limits);
      if (size <= maxEntryBytes) chunks.push(data);
      if (!final) return;
      if (size > maxEntryBytes) onTooLarge(file.name);
      else entries.push({ path: file.name, content: Buffer.concat(chunks) });
    };
    try {
      file.start();
    } catch {
      warnings.push({
        item: file.name,
        message: `skipped: compression method ${file.compression} not supported`,
      });
    }
  });
  unzip.register(UnzipInflate);
  // Small pieces: the decompressor hands out data per piece, so the count stops a bomb early.
  const piece = 64 * 1024;
  for (let offset = 0; offset < zip.length; offset += piece)
    unzip.push(zip.subarray(offset, offset + piece), offset + piece >= zip.length);
  return entries;
}
