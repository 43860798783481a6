import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { ScanWarning } from '../connector.ts';
import { archiveLimits, tooLarge } from './archive-limits.ts';
import type { TextFile } from './secret-hit.ts';
import { entriesOfZip, isZip } from './zip-archive.ts';

/** Larger files are not source code or configuration; they are skipped with a warning. */
export const maxScannedFileBytes = 5 * 1024 * 1024;
const skippedDirectories = new Set(['.git', 'node_modules', '.hg', '.svn']);

const isBinary = (content: Buffer) => content.subarray(0, 8000).includes(0);

function textFileOf(filePath: string, content: Buffer, warnings: ScanWarning[]): TextFile | null {
  if (content.length > maxScannedFileBytes) {
    warnings.push(tooLargeWarning(filePath));
    return null;
  }
  if (isBinary(content)) return null;
  return { path: filePath, content: content.toString('utf8') };
}

const tooLargeWarning = (filePath: string): ScanWarning => ({
  item: filePath,
  message: `skipped: larger than ${maxScannedFileBytes} bytes`,
});

/** The files of an upload: a .zip, .tar or .tar.gz archive, a gzip-compressed file, or one plain file. */
export function filesOfUpload(upload: Buffer, name: string, warnings: ScanWarning[]): TextFile[] {
  let data = upload;
  let fileName = name;
  if (isZip(data))
    return entriesOfZip(data, maxScannedFileBytes, warnings, (entry) => warnings.push(tooLargeWarning(entry)))
      .map((entry) => textFileOf(entry.path, entry.content, warnings))
      .filter((file): file is TextFile => file !== null);
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = gunzipSync(data, { maxOutputLength: archiveLimits.totalBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('The gzip file');
      throw error;
    }
    fileName = name.replace(/\.(tgz|gz)$/i, (ext) => (ext.toLowerCase() === '.tgz' ? '.tar' : ''));
  }
  if (data.length > 262 && data.subarray(257, 262).toString('latin1') === 'ustar')
    return filesOfTar(data, warnings);
  const file = textFileOf(fileName, data, warnings);
  return file ? [file] : [];
}

/** Regular files of a POSIX tar archive (ustar, with GNU long names). */
function filesOfTar(tar: Buffer, warnings: ScanWarning[]): TextFile[] {
  const files: TextFile[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = null;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '\0') {
      const file = textFileOf(name.replace(/^\.\//, ''), body, warnings);
      if (file) files.push(file);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The working tree of a directory (a checkout or any folder), without VCS metadata and dependencies. */
export async function filesOfDirectory(root: string, warnings: ScanWarning[]): Promise<TextFile[]> {
  const files: TextFile[] = [];
  const walk = async (dir: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) await walk(full);
      } else if (entry.isFile()) {
        const stat = await fs.stat(full);
        if (stat.size > maxScannedFileBytes) {
          warnings.push({
            item: path.relative(root, full),
            message: `skipped: larger than ${maxScannedFileBytes} bytes`,
          });
          continue;
        }
        const file = textFileOf(path.relative(root, full), await fs.readFile(full), warnings);
        if (file) files.push(file);
      }
    }
  };
  await walk(root);
  return files;
}

const run = promisify(execFile);

/**
 * The lines each commit of a git repository added, as fragments that keep their line numbers:
 * a secret committed and removed later is still found, with the commit that added it.
 */
export async function filesOfGitHistory(repository: string, warnings: ScanWarning[]): Promise<TextFile[]> {
  const { stdout } = await run(
    'git',
    ['-C', repository, 'log', '--all', '-p', '-U0', '--no-color', '--format=commit %H'],
    {
      maxBuffer: 512 * 1024 * 1024,
    },
  );
  const files: TextFile[] = [];
  let commit: string | null = null;
  let file: string | null = null;
  let lines: string[] = [];
  let numbers: number[] = [];
  let next = 0;
  const flush = () => {
    if (file && lines.length > 0) {
      const lineNumbers = numbers;
      files.push({
        path: file,
        content: lines.join('\n'),
        commit,
        lineOf: (line) => lineNumbers[line - 1] ?? line,
      });
    }
    lines = [];
    numbers = [];
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('commit ')) {
      flush();
      commit = line.slice('commit '.length).trim();
      file = null;
    } else if (line.startsWith('+++ ')) {
      flush();
      file = line === '+++ /dev/null' ? null : line.slice(4).replace(/^b\//, '');
    } else if (line.startsWith('@@')) {
      next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
    } else if (line.startsWith('+') && file) {
      lines.push(line.slice(1));
      numbers.push(next);
      next += 1;
    } else if (line.startsWith('Binary files') && file) {
      warnings.push({ item: file, message: 'binary file in history skipped' });
    }
  }
  flush();
  return files;
}
