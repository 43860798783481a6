import { ValidationError } from '@nhi/platform';
import type { z } from 'zod';

/** Services check their input themselves: procedures, serverFns and jobs all reach them. */
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
