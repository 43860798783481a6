import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseKind } from '@nhi/platform';
import type { NewTestDatabase } from '@nhi/platform/testing';
import { onTestFinished } from 'vitest';
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

/** A fresh installation for one test, driven the way an operator drives it: through `nhi` commands. */
export async function cliHarness(
  kind: DatabaseKind,
  newDatabase: NewTestDatabase,
  options: { generatedAdminPassword?: boolean } = {},
): Promise<CliHarness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'nhi-cli-'));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { NHI_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  if (!options.generatedAdminPassword) env.NHI_ADMIN_PASSWORD = 'correct horse battery staple';
  if (kind === 'postgres') env.DATABASE_URL = (await newDatabase()).url;
  const run = async (...argv: string[]): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
    });
    return { code, stdout, stderr };
  };
  return { dataDir, env, run };
}
