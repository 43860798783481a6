import { createSerializationAdapter } from '@tanstack/react-router';

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
    delete this.stack;
  }
}

/**
 * Start sends thrown errors to the browser as a bare message; this adapter keeps status,
 * code and details, so the browser can tell "log in again" from "not allowed".
 */
export const serverFnErrorAdapter = createSerializationAdapter({
  key: 'nhi-server-fn-error',
  test: (value): value is ServerFnError => value instanceof ServerFnError,
  toSerializable: (error) => ({
    message: error.message,
    status: error.status,
    code: error.code,
    details: error.details === undefined ? null : JSON.stringify(error.details),
  }),
  fromSerializable: ({ message, status, code, details }) =>
    new ServerFnError(message, status, code, details === null ? undefined : JSON.parse(details)),
});

export function errorCodeOf(error: unknown): string | undefined {
  return error instanceof ServerFnError ? error.code : undefined;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}
