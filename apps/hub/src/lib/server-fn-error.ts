/**
 * The only error a serverFn sends to the browser: a status, a stable code and a message
 * meant for people. No stack, no cause, nothing from inside the server.
 */
export class ServerFnError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServerFnError';
    // Start serialises own properties; a stack would tell callers how the server is built.
    delete this.stack;
  }
}

/** Works on the error a serverFn call rejects with in the browser, where it is a plain Error. */
export function errorCodeOf(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return undefined;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}
