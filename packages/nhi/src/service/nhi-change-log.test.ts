import { describe, expect, it } from 'vitest';
import { canonicalJson } from './nhi-change-log.ts';

/** What canonicalJson promises: JSON.stringify's text of the same document with its keys sorted. */
function sortedStringify(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object' || v instanceof Date) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((key) => [key, sortKeys((v as Record<string, unknown>)[key])]),
    );
  };
  return JSON.stringify(sortKeys(value));
}

const documents: [string, unknown][] = [
  ['keys in any order', { b: 1, a: { d: [3, 2], c: 'x' } }],
  ['keys that need escaping', { 'quote"d': 1, 'back\\slash': 2, 'new\nline': 3, 'tab\t': 4, plain: 5 }],
  ['keys and values beyond ASCII', { ключ: 'значение', 鍵: '🔑', 'aws:SourceIp': ['10.0.0.0/8'] }],
  ['dates, null and undefined', { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), gone: undefined, none: null }],
  ['arrays with holes of undefined', [1, undefined, 'x', null, [{ z: 1, y: 2 }]]],
  ['numbers JSON writes its own way', { zero: -0, big: 1e21, small: 1e-7, nan: Number.NaN, inf: Infinity }],
  ['booleans and empty containers', { t: true, f: false, o: {}, a: [] }],
  ['a string alone', 'he said "hi"\u2028'],
];

describe('canonical JSON of a document', () => {
  it.each(documents)('is JSON.stringify of the document with sorted keys: %s', (_name, document) => {
    expect(canonicalJson(document)).toBe(sortedStringify(document));
  });

  it('is the same text whatever order the keys were added in', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });
});
