import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseKind } from '@nhi/platform';
import { type NewTestDatabase, writeMigratedPgliteDataDir } from '@nhi/platform/testing';
import { afterAll, onTestFinished } from 'vitest';
import { runCli } from '../cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  /** The command's data directory, removed when the test ends. */
  dataDir: string;
  /** The environment every command runs with: the embedded database, or a PostgreSQL test database. */
  env: NodeJS.ProcessEnv;
  run(...argv: string[]): Promise<CliRun>;
}

export interface CliHarnessOptions {
  /** The first start prints a generated admin password instead of using a known one. */
  generatedAdminPassword?: boolean;
  /**
   * An embedded database that no command has opened yet, for the tests of that first start. Without
   * it a test begins from a copy of an embedded database the first command has already set up.
   */
  fresh?: boolean;
}

const adminPassword = 'correct horse battery staple';

/** A fresh installation for one test, driven the way an operator drives it: through `nhi` commands. */
export async function cliHarness(
  kind: DatabaseKind,
  newDatabase: NewTestDatabase,
  options: CliHarnessOptions = {},
): Promise<CliHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nhi-cli-'));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { NHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  if (!options.generatedAdminPassword) env.NHI_ADMIN_PASSWORD = adminPassword;
  if (kind === 'postgres') env.DATABASE_URL = (await newDatabase()).url;
  else if (!options.fresh && !options.generatedAdminPassword)
    await cp(await startedEmbeddedDataDir(), dataDir, { recursive: true });
  return { dataDir, env, run: (...argv) => runIn(env, argv) };
}

async function runIn(env: NodeJS.ProcessEnv, argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

let startedDataDir: Promise<string> | undefined;
// Registered as the harness loads, which is while a test file is collected: the file's copy goes
// with the file (a process exit handler does not run in a test worker, which outlives the file).
afterAll(async () => {
  const dir = await startedDataDir?.catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * An embedded database as the first command leaves it (initialised, migrated, the first admin
 * created), made once per test file and copied for each test: that first start is most of the
 * PGlite time of a test, and only the tests of the first start itself need to watch it happen.
 * The database is loaded already migrated, so the first command only adds the first admin.
 */
function startedEmbeddedDataDir(): Promise<string> {
  startedDataDir ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nhi-cli-started-'));
    await writeMigratedPgliteDataDir(dir);
    const first = await runIn({ NHI_DATA_DIR: dir, LOG_LEVEL: 'silent', NHI_ADMIN_PASSWORD: adminPassword }, [
      'instance',
      'list',
    ]);
    if (first.code !== 0) throw new Error(`the first start for the CLI tests failed: ${first.stderr}`);
    return dir;
  })();
  return startedDataDir;
}
