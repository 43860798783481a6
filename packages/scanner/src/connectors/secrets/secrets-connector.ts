import fs from 'node:fs/promises';
import path from 'node:path';
import { type ConnectorOutput, emptyOutput, UnreadableInputError } from '../connector.ts';
import { filesOfDirectory, filesOfGitHistory, filesOfUpload } from './file-sources.ts';
import { scanText } from './scan-text.ts';
import type { TextFile } from './secret-hit.ts';
import { SecretVerifier } from './verification/secret-verifier.ts';
import type { VerificationOptions } from './verification/verification-settings.ts';
import { verifyLeaks } from './verification/verify-leaks.ts';

export interface SecretScanOptions {
  /** Check each distinct secret of a verifiable type with its provider; null or absent: never. */
  verification?: VerificationOptions | null;
}

async function scanFiles(
  files: TextFile[],
  output: ConnectorOutput,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
  verifier: SecretVerifier | null,
) {
  for (const file of files) {
    if (signal.aborted) return;
    // With verification, the file's secrets are known by fingerprint while the file is checked, then dropped.
    const secrets = new Map<string, string>();
    const remembering = verifier
      ? async (secret: string) => {
          const value = await fingerprint(secret);
          secrets.set(value, secret);
          return value;
        }
      : fingerprint;
    try {
      const leaks = await scanText(file, remembering);
      if (verifier && secrets.size > 0)
        await verifyLeaks(
          leaks,
          (value) => secrets.get(value),
          (secret) => verifier.verify(secret),
        );
      output.leaks.push(...leaks);
    } catch (error) {
      output.warnings.push({ item: file.path, message: `not scanned: ${(error as Error).message}` });
    } finally {
      secrets.clear();
    }
  }
}

/** The scan's record of verification goes first: the scan keeps only its first warnings. */
function recordVerification(output: ConnectorOutput, verifier: SecretVerifier | null) {
  if (verifier) output.warnings.unshift(...verifier.summary());
}

/** Leaks in an uploaded file or archive. */
export async function scanUpload(
  upload: Buffer,
  name: string,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
  options: SecretScanOptions = {},
): Promise<ConnectorOutput> {
  const output = emptyOutput();
  let files: TextFile[];
  try {
    files = filesOfUpload(upload, name, output.warnings);
  } catch (error) {
    throw new UnreadableInputError(`The upload could not be unpacked: ${(error as Error).message}`);
  }
  const verifier = options.verification ? new SecretVerifier(options.verification, signal) : null;
  output.read = { count: files.length, unit: 'files' };
  await scanFiles(files, output, fingerprint, signal, verifier);
  recordVerification(output, verifier);
  return output;
}

/** Leaks in a directory on the hub's machine: its working tree, and its git history when asked. */
export async function scanDirectory(
  directory: string,
  history: boolean,
  fingerprint: (secret: string) => Promise<string>,
  signal: AbortSignal,
  options: SecretScanOptions = {},
): Promise<ConnectorOutput> {
  const root = path.resolve(directory);
  const stat = await fs.stat(root).catch(() => null);
  if (!stat?.isDirectory())
    throw new UnreadableInputError(`${directory} is not a directory the hub can read`);
  const output = emptyOutput();
  const verifier = options.verification ? new SecretVerifier(options.verification, signal) : null;
  const files = await filesOfDirectory(root, output.warnings);
  output.read = { count: files.length, unit: 'files' };
  await scanFiles(files, output, fingerprint, signal, verifier);
  if (history) {
    const isRepository = await fs.stat(path.join(root, '.git')).catch(() => null);
    if (!isRepository)
      output.warnings.push({ item: directory, message: 'history asked for, but it is not a git repository' });
    else {
      const revisions = await filesOfGitHistory(root, output.warnings);
      output.read.count += revisions.length;
      await scanFiles(revisions, output, fingerprint, signal, verifier);
    }
  }
  recordVerification(output, verifier);
  return output;
}
