import { randomBytes } from 'node:crypto';
import { type Sql, sql } from '@nhi/platform';

/**
 * Ids in the UUID version 7 layout for the rows one statement inserts: `prefix` (from
 * timeOrderedIdPrefix) then `counter`, the row's number in the statement. Rows inserted in counter
 * order get ascending ids, so the primary key and every index led by the id (or by the realm and
 * the id) grow at their right edge instead of touching pages all over a large index: random ids
 * made a realm's first pass rewrite far more index pages than the shared buffers hold.
 */
export function timeOrderedIdSql(prefix: string, counter: Sql): Sql {
  return sql`(${prefix}::text || lpad(to_hex(${counter}), 7, '0'))`;
}

/**
 * The part of a statement's ids shared by all its rows: the time in milliseconds and 44 random bits,
 * which keep two statements of the same millisecond apart. Made here, as one parameter: computed
 * per row in SQL it cost a realm's first pass more than a second.
 */
export function timeOrderedIdPrefix(at: Date): string {
  const time = at.getTime().toString(16).padStart(12, '0');
  const random = randomBytes(6).toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(0, 3)}-8${random.slice(3, 6)}-${random.slice(6, 11)}`;
}
