import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataDirLockedError } from './database-errors.ts';

interface LockOwner {
  token: string;
  pid: number;
  hostname: string;
  since: string;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** The owner refreshes the file's mtime this often so that owners on other hosts can judge staleness. */
const HEARTBEAT_MS = 5_000;
/** Past this age an owner on another host, whose pid cannot be checked, counts as gone. */
const STALE_MS = 30_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): { owner: LockOwner | undefined; raw: string; ageMs: number } | undefined {
  try {
    const raw = fs.readFileSync(file, 'utf8');
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    try {
      return { owner: JSON.parse(raw) as LockOwner, raw, ageMs };
    } catch {
      return { owner: undefined, raw, ageMs };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Tokens of the locks this process holds: a second opener inside this process is refused too. */
const heldTokens = new Set<string>();

function isStale(owner: LockOwner | undefined, ageMs: number): boolean {
  if (owner && heldTokens.has(owner.token)) return false;
  if (owner && owner.hostname === os.hostname()) {
    // A recorded pid equal to ours is a previous incarnation (a container restarts as pid 1).
    return owner.pid === process.pid || !isAlive(owner.pid);
  }
  return ageMs > STALE_MS;
}

function describe(owner: LockOwner | undefined): string {
  return owner ? `pid ${owner.pid} on ${owner.hostname} since ${owner.since}` : 'unknown owner';
}

/**
 * Takes exclusive ownership of a data directory. PGlite has no cross-process lock, and a second
 * process on the same directory silently loses writes, so a second opener is refused instead.
 * The lock is a file holding the owner's pid and host: a crashed owner on the same host is detected
 * at once, one on another host (shared volume) once its heartbeat is older than STALE_MS.
 */
export function lockDataDir(dataDir: string, onLost: (error: Error) => void): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'nhi.lock');
  const owner: LockOwner = {
    token: randomUUID(),
    pid: process.pid,
    hostname: os.hostname(),
    since: new Date().toISOString(),
  };
  const content = JSON.stringify(owner);

  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readOwner(file);
    if (current === undefined) continue;
    if (attempt > 2 || !isStale(current.owner, current.ageMs)) {
      throw new DataDirLockedError(dataDir, describe(current.owner));
    }
    // Take over a stale lock by renaming it away: only one contender's rename succeeds. If the file
    // changed between reading and renaming, it belongs to a live contender: put it back and refuse.
    const aside = `${file}.stale-${owner.token}`;
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (fs.readFileSync(aside, 'utf8') !== current.raw) {
      fs.renameSync(aside, file);
      throw new DataDirLockedError(dataDir, 'another process starting at the same time');
    }
    fs.rmSync(aside, { force: true });
  }

  heldTokens.add(owner.token);
  const heartbeat = setInterval(() => {
    const current = readOwner(file);
    if (current?.owner?.token !== owner.token) {
      clearInterval(heartbeat);
      onLost(new Error(`Lost ownership of the data directory ${dataDir}: ${file} was removed or replaced`));
      return;
    }
    const now = new Date();
    fs.utimesSync(file, now, now);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    file,
    release() {
      clearInterval(heartbeat);
      heldTokens.delete(owner.token);
      if (readOwner(file)?.owner?.token === owner.token) fs.rmSync(file, { force: true });
    },
  };
}
