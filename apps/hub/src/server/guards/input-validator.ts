import { assertSafeText, type TextSafetyOptions } from '@nhi/platform/input';
import type { z } from 'zod';

/**
 * A serverFn validator that fails with the ZodError itself. Handed a schema, Start turns
 * its issues into a plain Error, which the error mapping cannot tell from a crash (500);
 * as a function it lets the ZodError through, and the caller gets 400 with the issues.
 * Before the schema, text the database cannot store is refused with the field's path, the
 * check every tRPC procedure runs too.
 */
export function inputValidator<Schema extends z.ZodType>(schema: Schema, options: TextSafetyOptions = {}) {
  return (input: z.input<Schema>): z.output<Schema> => {
    assertSafeText(input, options);
    return schema.parse(input);
  };
}
