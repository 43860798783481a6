import { type Sql, sql } from '../database/sql-fragments.ts';
import type { Coverage } from './coverage.ts';

// The caller's coverage as part of a statement (ADR 0042): the visible set is a condition of the
// query, so counts, totals and pages are computed over it, never filtered after it. Every
// statement that reads identities, or rows about them, for a caller names one of these; the
// scope filter check (`coverage-filter.test.ts`) finds a statement that forgets it.

/**
 * The identity whose owner-team column is given is covered: `TRUE` for the whole realm, the owner
 * team among the covered groups for a scoped caller (unowned identities are outside), `FALSE` for
 * none. `ownerGroupColumn` is a column written in code, e.g. `trustedSql('n."ownerGroupId"')`.
 */
export function ownerCovered(coverage: Coverage, ownerGroupColumn: Sql): Sql {
  if (coverage.kind === 'all') return sql`TRUE`;
  if (coverage.kind === 'none' || coverage.groupIds.length === 0) return sql`FALSE`;
  return sql`${ownerGroupColumn} = ANY(${[...coverage.groupIds]}::text[])`;
}

/**
 * A row about an identity (an alert, a leak, a credential) is covered when its identity is: for a
 * scoped caller, the identity exists in the row's realm and its owner team is covered. Rows about
 * no identity (`nhiId` null) are the central team's, outside every scope. `realmColumn` and
 * `nhiIdColumn` are the row's columns, written in code.
 */
export function identityCovered(coverage: Coverage, row: { realmColumn: Sql; nhiIdColumn: Sql }): Sql {
  if (coverage.kind === 'all') return sql`TRUE`;
  if (coverage.kind === 'none' || coverage.groupIds.length === 0) return sql`FALSE`;
  return sql`EXISTS (SELECT 1 FROM "Nhi" AS covered_nhi WHERE covered_nhi."realmId" = ${row.realmColumn}
    AND covered_nhi.id = ${row.nhiIdColumn}
    AND covered_nhi."ownerGroupId" = ANY(${[...coverage.groupIds]}::text[]))`;
}
