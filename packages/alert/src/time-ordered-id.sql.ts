import { type Sql, sql } from '@nhi/platform';

/**
 * A UUID in the version 7 layout, ascending in `counter` (a row number within the statement):
 * the statement's start in milliseconds, then its microseconds, the transaction id and the counter.
 * Rows a statement inserts in counter order get ascending ids, so the primary key and every index
 * led by the id (or by the realm and the id) grow at their right edge instead of touching pages
 * all over a large index: random ids made a realm's first pass rewrite far more index pages than
 * the shared buffers hold. Unique without random bits: two transactions never share an id, and
 * one transaction's statements never share a start. Everything but the counter is computed once
 * per statement (a per-row random part cost more than the inserts it saved).
 */
export function timeOrderedIdSql(counter: Sql): Sql {
  return sql`((
      SELECT overlay(lpad(to_hex(s.ms), 12, '0') placing '-' from 9 for 0)
        || '-7' || lpad(to_hex(s.us), 3, '0')
        || '-8' || substr(s.xid, 1, 3) || '-' || substr(s.xid, 4, 5)
      FROM (
        SELECT floor(extract(epoch FROM statement_timestamp()) * 1000)::bigint AS ms,
          (extract(microseconds FROM statement_timestamp())::bigint % 1000)::int AS us,
          lpad(to_hex(txid_current() % 4294967296), 8, '0') AS xid
      ) AS s
    ) || lpad(to_hex(${counter}), 7, '0'))`;
}
