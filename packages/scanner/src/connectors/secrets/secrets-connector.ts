import fs from 'node:fs/promises';
import path from 'node:path';
import { type ConnectorOutput, emptyOutput, UnreadableInputError } from '../connector.ts';
import { filesOfDirectory, filesOfGitHistory, filesOfUpload } from './file-sources.ts';
import { scanText } from './scan-text.ts';
import type { TextFile } from './secret-hit.ts';

async function scanFiles(
  files: TextFile[],
  output: ConnectorOutput,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
) {
  for (const file of files) {
    if (signal.aborted) return;
    try {
      output.leaks.push(...(await scanText(file, fingerprint)));
    } catch (error) {
      output.warnings.push({ item: file.path, message: `not scanned: ${(error as Error).message}` });
    }
  }
}

/** Leaks in an uploaded file or archive. */
export async function scanUpload(
  upload: Buffer,
  name: string,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
): Promise<ConnectorOutput> {
  const output = emptyOutput();
  let files: TextFile[];
  try {
    files = filesOfUpload(upload, name, output.warnings);
  } catch (error) {
    throw new UnreadableInputError(`The upload could not be unpacked: ${(error as Error).message}`);
  }
  await scanFiles(files, output, fingerprint, signal);
  return output;
}

/** Leaks in a directory on the hub's machine: its working tree, and its git history when asked. */
export async function scanDirectory(
  directory: string,
  history: boolean,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
): Promise<ConnectorOutput> {
  const root = path.resolve(directory);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat?.isDirectory())
    throw new UnreadableInputError(`${directory} is not a directory the hub can read`);
  const output = emptyOutput();
  await scanFiles(await filesOfDirectory(root, output.warnings), output, fingerprint, signal);
  if (history) {
    const isRepository = await fs.stat(path.join(root, '.git')).catch(() => null);
    if (!isRepository)
      output.warnings.push({ item: directory, message: 'history asked for, but it is not a git repository' });
    else await scanFiles(await filesOfGitHistory(root, output.warnings), output, fingerprint, signal);
  }
  return output;
}
