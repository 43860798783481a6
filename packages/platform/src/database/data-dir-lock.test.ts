import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it, onTestFinished } from 'vitest';
import { lockDataDir } from './data-dir-lock.ts';
import { DataDirLockedError } from './database-errors.ts';
import { openDatabase } from './open-database.ts';

const lockModule = fileURLToPath(new URL('./data-dir-lock.ts', import.meta.url));

function setup() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-data-'));
  onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return { dataDir };
}

/** Tries to lock dataDir from a separate Node process; resolves with what that process printed. */
async function lockFromAnotherProcess(dataDir: string): Promise<string> {
  const script = `
    const { lockDataDir } = await import(${JSON.stringify(lockModule)});
    try { lockDataDir(${JSON.stringify(dataDir)}, () => {}); console.log('acquired'); }
    catch (error) { console.log(error.name + ': ' + error.message); }`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', script],
    { cwd: path.dirname(lockModule) },
  );
  return stdout.trim();
}

it('refuses a second process on a data directory that is in use, naming the directory', async () => {
  const { dataDir } = setup();
  const lock = lockDataDir(dataDir, () => {});
  onTestFinished(() => lock.release());

  const output = await lockFromAnotherProcess(dataDir);

  expect(output).toContain('DataDirLockedError');
  expect(output).toContain(dataDir);
  expect(output).toContain(`pid ${process.pid}`);
});

it('hands the data directory to the next process once the owner released it', async () => {
  const { dataDir } = setup();
  lockDataDir(dataDir, () => {}).release();

  expect(await lockFromAnotherProcess(dataDir)).toBe('acquired');
});

it('takes over a lock left behind by a process that died', async () => {
  const { dataDir } = setup();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  fs.writeFileSync(
    path.join(dataDir, 'nhi.lock'),
    JSON.stringify({ token: 'gone', pid: dead, hostname: os.hostname(), since: new Date().toISOString() }),
  );

  const lock = lockDataDir(dataDir, () => {});
  lock.release();

  expect(fs.existsSync(lock.file)).toBe(false);
});

it('refuses to open the embedded database twice, and opens it again after close', async () => {
  const { dataDir } = setup();
  const first = await openDatabase({ dataDir });
  await first.systemPrisma.$executeRawUnsafe('CREATE TABLE kept (value TEXT)');
  await first.systemPrisma.$executeRawUnsafe(`INSERT INTO kept VALUES ('still here')`);

  await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
  await first.close();
  const second = await openDatabase({ dataDir });
  onTestFinished(() => second.close());

  expect(fs.existsSync(path.join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
  expect(await second.systemPrisma.$queryRawUnsafe('SELECT value FROM kept')).toEqual([
    { value: 'still here' },
  ]);
});
