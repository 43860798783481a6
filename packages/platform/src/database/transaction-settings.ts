/** Settings that last until the end of the transaction they are made in (`set_config(…, true)`). */
export type TransactionSettings = Readonly<Record<string, string>>;

/** A string literal; standard_conforming_strings is on in both databases, so only quotes need doubling. */
function literal(value: string): string {
  if (value.includes('\0')) throw new Error('A setting cannot hold a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * One statement applying every setting, written out rather than parameterised: it travels in the
 * same simple-protocol message as the BEGIN it follows, so the transaction and its settings cost
 * one round trip.
 */
export function setConfigStatement(settings: TransactionSettings): string {
  const calls = Object.entries(settings).map(
    ([name, value]) => `set_config(${literal(name)}, ${literal(value)}, true)`,
  );
  return `SELECT ${calls.join(', ')}`;
}
