import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-errors.ts';
import {
  assertSafeText,
  cleanProviderData,
  cleanText,
  cleanTextDeep,
  findUnsafeText,
  maxInputDepth,
  withCleanText,
} from './text-safety.ts';

const highSurrogate = '\ud83d';
const lowSurrogate = '\ude00';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('findUnsafeText', () => {
  it.each([
    { case: 'NUL in a value', input: { name: 'a\u0000b' }, path: ['name'], problem: 'nul', inKey: false },
    {
      case: 'NUL in a key',
      input: { metadata: { 'a\u0000': 1 } },
      path: ['metadata', 'a'],
      problem: 'nul',
      inKey: true,
    },
    {
      case: 'NUL nested in arrays and objects',
      input: { permissions: [{ action: 'ok' }, { action: 'x', via: ['y', '\u0000'] }] },
      path: ['permissions', 1, 'via', 1],
      problem: 'nul',
      inKey: false,
    },
    {
      case: 'a lone high surrogate',
      input: { name: `a${highSurrogate}` },
      path: ['name'],
      problem: 'lone-surrogate',
      inKey: false,
    },
    {
      case: 'a lone low surrogate',
      input: { name: `${lowSurrogate}b` },
      path: ['name'],
      problem: 'lone-surrogate',
      inKey: false,
    },
    {
      case: 'surrogates in the wrong order',
      input: [`${lowSurrogate}${highSurrogate}`],
      path: [0],
      problem: 'lone-surrogate',
      inKey: false,
    },
    { case: 'a bare string', input: '\u0000', path: [], problem: 'nul', inKey: false },
    {
      case: 'nesting beyond the limit',
      input: { deep: nested(maxInputDepth + 5) },
      path: Array(maxInputDepth)
        .fill(0)
        .map((_, i) => (i === 0 ? 'deep' : 0)),
      problem: 'too-deep',
      inKey: false,
    },
  ])('reports $case with its path', ({ input, path, problem, inKey }) => {
    expect(findUnsafeText(input)).toEqual({ path, problem, inKey });
  });

  it.each([
    { case: 'a valid surrogate pair', input: { name: `${highSurrogate}${lowSurrogate}` } },
    { case: 'emoji and accents', input: { name: 'déploiement 🚀 機械', tags: ['👩‍💻'] } },
    { case: 'numbers, booleans, null and dates', input: { n: 1, b: true, z: null, d: new Date(0) } },
    { case: 'nothing at all', input: undefined },
    { case: 'nesting at the limit', input: nested(maxInputDepth - 1) },
  ])('accepts $case', ({ input }) => {
    expect(findUnsafeText(input)).toBeUndefined();
  });

  it('reports the first problem in document order', () => {
    expect(findUnsafeText({ a: ['fine', 'x\u0000'], b: '\u0000' })?.path).toEqual(['a', 1]);
  });

  it('skips the top-level file fields it is told of, and only those', () => {
    const input = { content: 'row\u0000', format: 'csv', nested: { content: '\u0000' } };
    expect(findUnsafeText(input, { fileFields: ['content'] })?.path).toEqual(['nested', 'content']);
  });

  it('walks input nested a million levels deep without exhausting the stack', () => {
    expect(findUnsafeText(nested(1_000_000))?.problem).toBe('too-deep');
  });
});

describe('assertSafeText', () => {
  it('throws a ValidationError whose message and issue name the field', () => {
    let thrown: unknown;
    try {
      assertSafeText({ changes: { name: 'a\u0000b' } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect(error.message).toMatch(/^Invalid input: changes\.name contains a NUL character/);
    expect(error.issues).toEqual([{ path: ['changes', 'name'], message: expect.stringContaining('NUL') }]);
  });

  it('names an offending key as a key', () => {
    expect(() => assertSafeText({ metadata: { [`k${highSurrogate}`]: 1 } })).toThrow(
      /metadata\.k\uFFFD has a key that contains an unpaired UTF-16 surrogate/,
    );
  });

  it('lets storable input through', () => {
    expect(() => assertSafeText({ name: 'ok 🚀' })).not.toThrow();
  });
});

describe('cleanText', () => {
  it.each([
    { case: 'drops NUL', input: 'a\u0000b\u0000', output: 'ab' },
    { case: 'turns a lone surrogate into U+FFFD', input: `a${highSurrogate}b`, output: 'a\uFFFDb' },
    { case: 'keeps a surrogate pair', input: `${highSurrogate}${lowSurrogate}`, output: '😀' },
    { case: 'keeps clean text as it is', input: 'plain', output: 'plain' },
  ])('$case', ({ input, output }) => {
    expect(cleanText(input)).toBe(output);
  });
});

describe('cleanTextDeep', () => {
  it('cleans values and keys at any depth, in place, leaving other values alone', () => {
    const date = new Date(0);
    const value = { name: 'a\u0000', list: [`x${lowSurrogate}`, 3, { 'k\u0000': 'v\u0000' }], date };
    const cleaned = cleanTextDeep(value);
    expect(cleaned).toBe(value);
    expect(cleaned).toEqual({ name: 'a', list: ['x\uFFFD', 3, { k: 'v' }], date });
    expect(findUnsafeText(cleaned)).toBeUndefined();
  });
});

describe('withCleanText', () => {
  it('returns clean values themselves and cleans a copy of the others', () => {
    const clean = { a: 'b' };
    const dirty = { a: 'b\u0000' };
    expect(withCleanText(clean)).toBe(clean);
    expect(withCleanText(dirty)).toEqual({ a: 'b' });
    expect(dirty.a).toBe('b\u0000');
  });
});

describe('cleanProviderData', () => {
  it('cleans text and reads dates outside years 1 to 9999 as unknown', () => {
    const kept = new Date('9999-12-31T23:59:59.999Z');
    const value = {
      name: 'ci\u0000',
      dates: [new Date('+010000-01-01T00:00:00Z'), kept],
      nested: { at: new Date('0000-06-01T00:00:00Z') },
    };

    expect(cleanProviderData(value)).toEqual({ name: 'ci', dates: [null, kept], nested: { at: null } });
  });
});
