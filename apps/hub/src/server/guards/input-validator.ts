import type { z } from 'zod';

/**
 * A serverFn validator that fails with the ZodError itself. Handed a schema, Start turns
 * its issues into a plain Error, which the error mapping cannot tell from a crash (500);
 * as a function it lets the ZodError through, and the caller gets 400 with the issues.
 */
export function inputValidator<Schema extends z.ZodType>(schema: Schema) {
  return (input: z.input<Schema>): z.output<Schema> => schema.parse(input);
}
