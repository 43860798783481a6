import { format } from 'node:util';
import type { Logger } from '@nhi/platform';

type ConsoleLike = Pick<Console, 'error'>;

/** Node's error for a request whose client hung up before the answer: routine, not a failure. */
function isClientHangUp(value: unknown): boolean {
  return (
    value instanceof Error &&
    (value as NodeJS.ErrnoException).code === 'ECONNRESET' &&
    value.message === 'aborted'
  );
}

/**
 * The web framework reports some errors with console.error (a client that hung up mid-request,
 * say), which would put raw stack traces between the JSON lines of the log. From here on they
 * are log entries like any other: hang-ups at debug level, anything else as one error entry.
 */
export function routeConsoleErrorsToLog(logger: Logger, target: ConsoleLike = console): void {
  target.error = (...args: unknown[]) => {
    const err = args.find((arg) => arg instanceof Error);
    if (isClientHangUp(err)) {
      logger.debug('client closed the connection before the answer');
      return;
    }
    const rest = args.filter((arg) => arg !== err);
    logger.error(
      { err, detail: rest.length > 0 ? format(...rest) : undefined },
      'error reported by the web framework',
    );
  };
}
