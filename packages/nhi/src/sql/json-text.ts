/**
 * A JSON document carried inside a batch's JSON parameter as a string, and cast back with `::jsonb`
 * in the statement. The server then parses each document once; nested as objects, it builds them
 * inside the batch's document and copies each one out again, twice the time for wide documents
 * such as version snapshots (ADR 0057). null and undefined stay SQL NULL, as nested they were.
 */
export function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
