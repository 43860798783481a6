export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Configuration source; the process environment in production, a chosen one in tests. */
  env: NodeJS.ProcessEnv;
}

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

/** A failure the user can fix: printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}
