import {
  createCliLogger,
  loadConfig,
  type PlatformRuntime,
  type StartOptions,
  startPlatform,
} from '@nhi/platform';
import { registerPolicy } from '@nhi/policy';
import type { CliIo } from '../cli-io.ts';

/**
 * Opens the platform for one command and always closes it, so the embedded database's
 * lock is released even when the command fails.
 */
export async function withPlatform<T>(
  io: CliIo,
  action: (runtime: PlatformRuntime) => Promise<T>,
  options: StartOptions = {},
): Promise<T> {
  const config = loadConfig(io.env);
  const runtime = await startPlatform({
    config,
    logger: createCliLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL),
    // stdout carries the command's answer (a token, a password) for scripts to capture.
    printFirstStartNotice: (text) => io.stderr.write(text),
    ...options,
    modules: [registerPolicy, ...(options.modules ?? [])],
  });
  try {
    return await action(runtime);
  } finally {
    await runtime.shutdown();
  }
}
