import { ConfigError, isDomainError, ValidationError } from '@nhi/platform';
import { ExitCode } from './cli-io.ts';

/** Turns any failure into one line a user can act on, and its exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof ValidationError) {
    const reasons = error.issues.map((issue) => `\n  ${issue.path.join('.') || 'input'}: ${issue.message}`);
    return { message: `${error.message}${reasons.join('')}`, exitCode: ExitCode.usage };
  }
  if (isDomainError(error)) {
    const usage = error.code === 'BAD_REQUEST';
    return { message: error.message, exitCode: usage ? ExitCode.usage : ExitCode.failure };
  }
  if (error instanceof ConfigError) return { message: error.message, exitCode: ExitCode.usage };
  if (error instanceof Error) return { message: error.message, exitCode: ExitCode.failure };
  return { message: String(error), exitCode: ExitCode.failure };
}
