import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PlatformDatabase } from '../database/platform-database.ts';
import type { Logger } from '../logging/logger.ts';
import { writeBackup } from './write-backup.ts';

/**
 * Where a hub running on the embedded database says how to ask it for a backup: the address of
 * its local backup endpoint and the token it takes. Only the data directory's owner can read it.
 */
export const BACKUP_ENDPOINT_FILE = 'backup-endpoint.json';

interface EndpointFile {
  url: string;
  token: string;
  pid: number;
}

export interface BackupEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && loopback.has(address);
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function tokenMatches(given: string | undefined, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * The embedded database belongs to the one process that holds its data directory: a second
 * process may not open it, and copying its files while it runs is no backup. So `nhi backup` asks
 * the running hub, here: an HTTP listener of its own on 127.0.0.1 (never the hub's public port,
 * where a local reverse proxy would make every caller look local), on a port the system picks,
 * answering POST /backup with the backup's bytes to a caller with the token from the data
 * directory. One backup at a time.
 */
export async function startBackupEndpoint(options: {
  dataDir: string;
  database: PlatformDatabase;
  logger: Logger;
}): Promise<BackupEndpoint> {
  const token = randomBytes(32).toString('base64url');
  let running = false;
  const server = http.createServer((request, response) => {
    const refuse = (status: number, error: string) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ error }));
    };
    if (!isLoopbackAddress(request.socket.remoteAddress)) return refuse(403, 'local callers only');
    if (request.method !== 'POST' || request.url !== '/backup') return refuse(404, 'not found');
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!tokenMatches(bearer, token)) {
      options.logger.warn('backup endpoint: refused a call without the data directory token');
      return refuse(401, 'the token from the data directory is required');
    }
    if (running) return refuse(409, 'a backup is being written already; try again when it has finished');
    running = true;
    const started = Date.now();
    response.writeHead(200, { 'content-type': 'application/gzip', 'cache-control': 'no-store' });
    writeBackup(options.database, response).then(
      (summary) => {
        running = false;
        const rows = Object.values(summary.rows).reduce((sum, count) => sum + count, 0);
        options.logger.info({ rows, ms: Date.now() - started }, 'backup written for a local caller');
      },
      (error: unknown) => {
        running = false;
        // The stream is broken off: the caller sees a failed transfer, not a short file.
        options.logger.error({ err: error }, 'backup for a local caller failed');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = path.join(options.dataDir, BACKUP_ENDPOINT_FILE);
  const content = JSON.stringify({ url, token, pid: process.pid } satisfies EndpointFile);
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, content, { mode: 0o600 });
  fs.renameSync(partial, file);
  return {
    url,
    async close() {
      // A later hub on the same directory may have written its own by now.
      if (readEndpointFile(options.dataDir)?.token === token) fs.rmSync(file, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readEndpointFile(dataDir: string): EndpointFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, BACKUP_ENDPOINT_FILE), 'utf8')) as EndpointFile;
  } catch {
    return undefined;
  }
}

/**
 * Asks the hub running on `dataDir` for a backup and writes it to `output`. Throws with the
 * hub's reason when it refuses, and when the transfer breaks off.
 */
export async function requestBackupFromHub(dataDir: string, output: Writable): Promise<void> {
  const endpoint = readEndpointFile(dataDir);
  if (!endpoint)
    throw new Error(
      `The hub running on ${dataDir} offers no backup endpoint (${BACKUP_ENDPOINT_FILE} is missing or unreadable): ` +
        'it may be of an older version. Stop it and run the backup again, or upgrade it first',
    );
  let response: Response;
  try {
    response = await fetch(`${endpoint.url}/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${endpoint.token}` },
    });
  } catch (error) {
    throw new Error(
      `The hub running on ${dataDir} (pid ${endpoint.pid}) did not answer at ${endpoint.url}: ${(error as Error).message}. ` +
        'The backup must be taken on the host the hub runs on',
    );
  }
  if (!response.ok || !response.body) {
    const reason = ((await response.json().catch(() => ({}))) as { error?: string }).error;
    throw new Error(`The running hub refused the backup (${response.status}${reason ? `: ${reason}` : ''})`);
  }
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), output);
}
