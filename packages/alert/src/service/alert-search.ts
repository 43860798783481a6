import type { Coverage, RealmQuery } from '@nhi/platform';
import { alertSearchRows } from '../sql/alert-search.sql.ts';
import { alertRuleOf, alertRules } from './alert-rules.ts';

/** An alert as a quick search lists it: its rule's title, then what it is about. */
export interface AlertSearchHit {
  id: string;
  title: string;
  severity: string;
  state: string;
  /** The identity's name, or the alert's subject when it has no identity. */
  about: string;
}

/** Rules whose title, id or OWASP id contains `text`: the titles live here, not in the database. */
function rulesMatching(text: string): string[] {
  const needle = text.toLowerCase();
  return alertRules
    .filter((rule) =>
      [rule.title, rule.id, rule.owaspId].some((value) => value.toLowerCase().includes(needle)),
    )
    .map((rule) => rule.id);
}

/**
 * Alerts of the realm whose rule's title matches `text`, or about one of `nhiIds` (the identities
 * a quick search found by name): an identity's name is matched once, by the inventory's search.
 * Only alerts the caller's `alert:read` coverage reaches.
 */
export async function alertSearchHits(
  query: RealmQuery,
  realmId: string,
  text: string,
  nhiIds: readonly string[],
  limit: number,
  coverage: Coverage,
): Promise<AlertSearchHit[]> {
  const rows = await alertSearchRows(query, realmId, rulesMatching(text), nhiIds, limit, coverage);
  return rows.map((row) => ({
    id: row.id,
    title: alertRuleOf(row.ruleId)?.title ?? row.ruleId,
    severity: row.severity,
    state: row.state,
    about: row.nhiName ?? row.subject,
  }));
}
