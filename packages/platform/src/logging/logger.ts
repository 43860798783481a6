import pino from 'pino';
import { activeTraceFields } from '../tracing/spans.ts';

export type Logger = pino.Logger;

/**
 * Paths that may carry secrets anywhere in a log object. pino replaces them before
 * serialisation, so a secret never reaches a log line even by accident.
 */
export const redactedPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'privateJwk',
  '*.privateJwk',
];

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'nhi-hub' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // While tracing is on, each line carries the trace and span it was written in, beside the
      // request id: a line leads to its trace and back. Off, this adds nothing.
      mixin: activeTraceFields,
    },
    options.destination,
  );
}

/** Command-line tools keep stdout for their answer (a token, a password): logs go to stderr. */
export function createCliLogger(level = process.env.LOG_LEVEL ?? 'warn'): Logger {
  return createLogger({ level, destination: pino.destination(2) });
}
