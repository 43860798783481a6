import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

// The package is CommonJS: its class is the module's default export at run time, not its type's.
const Ajv = (Ajv04 as unknown as { default?: typeof Ajv04 }).default ?? Ajv04;

const schemaFile = path.join(import.meta.dirname, 'schemas', 'sarif-schema-2.1.0.json');

/**
 * The SARIF 2.1.0 schema (draft-04, hence its own Ajv) as a validator: `errorsOf(log)` is empty
 * for a valid log, otherwise lists each violation as `path message`.
 */
export function sarifValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  return {
    errorsOf(log: unknown): string[] {
      if (validate(log)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    },
  };
}
