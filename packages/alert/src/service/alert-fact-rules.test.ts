import { type ScanFactKind, scanFactKindList } from '@nhi/scanner/facts';
import { describe, expect, it } from 'vitest';
import { factKindsOfRule } from './alert-fact-rules.ts';
import { alertRuleOf } from './alert-rules.ts';

/** Facts kept as context for other rules or pages, not findings of their own. */
const contextOnly: ScanFactKind[] = [
  'credential.never_used',
  'github.app_suspended',
  'github.pat_no_expiry',
  'leak.credential_exposed',
];

describe('fact rules', () => {
  it('read every fact kind the scanner records, but those kept as context', () => {
    const read = new Set(Object.values(factKindsOfRule).flat());
    const unread = scanFactKindList.filter((kind) => !read.has(kind) && !contextOnly.includes(kind));
    expect(unread).toEqual([]);
  });

  it('keep as context only facts no rule reads', () => {
    const read = new Set<string>(Object.values(factKindsOfRule).flat());
    expect(contextOnly.filter((kind) => read.has(kind))).toEqual([]);
  });

  it('name only rules of the catalogue', () => {
    for (const ruleId of Object.keys(factKindsOfRule)) expect(alertRuleOf(ruleId), ruleId).toBeDefined();
  });
});
