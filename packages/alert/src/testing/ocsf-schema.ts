import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const schemaFile = path.join(import.meta.dirname, 'schemas', 'ocsf-1.3.0-detection_finding.schema.json');

/**
 * The OCSF 1.3.0 Detection Finding schema as a validator: `errorsOf(event)` is empty for a valid
 * event, otherwise lists each violation as `path message`.
 */
export function ocsfDetectionFindingValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
  return {
    errorsOf(event: unknown): string[] {
      if (validate(event)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    },
  };
}
