import type { z } from 'zod';
import { ValidationError } from '../errors/domain-errors.ts';

/**
 * Services check their input themselves: serverFns, procedures, the CLI, jobs and imports all reach
 * them, and defaults must be the same whichever way a call came. A failure is a ValidationError
 * naming `what` and each offending field.
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid ${what}`,
    parsed.error.issues.map((issue) => ({
      path: issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
      message: issue.message,
    })),
  );
}
