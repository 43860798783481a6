import { type Sql, sql, trustedSql } from '../database/sql-fragments.ts';
import type { Coverage } from './coverage.ts';

// The caller's coverage as part of a statement (ADR 0042): the visible set is a condition of the
// query, so counts, totals and pages are computed over it, never filtered after it. Every
// statement that reads identities, or rows about them, for a caller names one of these; the
// scope filter check (`coverage-filter.test.ts`) finds a statement that forgets it.

const alias = /^[a-z_][a-z0-9_]*$/i;

/** The statement's alias of a table, as written in code: never a value. */
function aliased(table: string, column: string): Sql {
  if (!alias.test(table)) throw new Error(`Not a table alias: ${table}`);
  return trustedSql(`${table}."${column}"`);
}

/**
 * The identity row `nhi` (the statement's alias of "Nhi") is covered: `TRUE` for the whole realm,
 * its owner team among the covered groups for a scoped caller (unowned identities are outside),
 * `FALSE` for none.
 */
export function ownerCovered(coverage: Coverage, nhi: string): Sql {
  if (coverage.kind === 'all') return sql`TRUE`;
  if (coverage.kind === 'none' || coverage.groupIds.length === 0) return sql`FALSE`;
  return sql`${aliased(nhi, 'ownerGroupId')} = ANY(${[...coverage.groupIds]}::text[])`;
}

/**
 * The row `about` (the statement's alias of a table with "realmId" and "nhiId": an alert, a leak,
 * a credential) is covered when its identity is: for a scoped caller, the identity exists in the
 * row's realm and its owner team is covered. Rows about no identity (`nhiId` null) are the
 * central team's, outside every scope.
 */
export function identityCovered(coverage: Coverage, about: string): Sql {
  if (coverage.kind === 'all') return sql`TRUE`;
  if (coverage.kind === 'none' || coverage.groupIds.length === 0) return sql`FALSE`;
  return sql`EXISTS (SELECT 1 FROM "Nhi" AS covered_nhi
    WHERE covered_nhi."realmId" = ${aliased(about, 'realmId')} AND covered_nhi.id = ${aliased(about, 'nhiId')}
    AND ${ownerCovered(coverage, 'covered_nhi')})`;
}
