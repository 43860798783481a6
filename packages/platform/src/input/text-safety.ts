import { ValidationError, type ValidationIssue } from '../errors/domain-errors.ts';
import { isStorableDate } from './storable-date.ts';

// ES2024 String methods (Node 20+); the shared compiler settings stop at the ES2023 library.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it) and a lone UTF-16 surrogate
 * (text stores it as U+FFFD, silently; jsonb refuses it). Request input with either is refused
 * with the path of the field; data read from providers is cleaned (see ADR 0023).
 */
export type UnsafeTextProblem = 'nul' | 'lone-surrogate' | 'too-deep';

export interface UnsafeText {
  path: (string | number)[];
  problem: UnsafeTextProblem;
  /** The offending string was an object key, not a value. */
  inKey: boolean;
}

/** Deeper than any shape the product takes; beyond it, serialisers and jsonb run out of stack. */
export const maxInputDepth = 64;

const problemMessages: Record<UnsafeTextProblem, string> = {
  nul: 'contains a NUL character (U+0000), which cannot be stored',
  'lone-surrogate': 'contains an unpaired UTF-16 surrogate, which is not valid Unicode',
  'too-deep': `is nested more than ${maxInputDepth} levels deep`,
};

export function textProblemOf(text: string): UnsafeTextProblem | undefined {
  if (text.includes('\u0000')) return 'nul';
  if (!text.isWellFormed()) return 'lone-surrogate';
  return undefined;
}

export interface TextSafetyOptions {
  /**
   * Top-level fields that carry the text of an uploaded file: their parser reports odd characters
   * per row and column, so one bad cell does not refuse the whole file.
   */
  fileFields?: readonly string[];
}

/** A value still to visit; its path is rebuilt from the parents only when it is reported. */
interface Pending {
  value: unknown;
  key: string | number | undefined;
  parent: Pending | undefined;
  depth: number;
}

function pathOf(pending: Pending): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Pending | undefined = pending; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * Walks a decoded input value (strings, object keys, arrays, nested JSON) and reports the first
 * string that cannot be stored, or nesting deeper than maxInputDepth. Iterative: a hostile input
 * nested a million levels deep must not overflow the stack.
 */
export function findUnsafeText(value: unknown, options: TextSafetyOptions = {}): UnsafeText | undefined {
  const skipped = new Set(options.fileFields ?? []);
  const stack: Pending[] = [{ value, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const pending = stack.pop() as Pending;
    const current = pending.value;
    if (typeof current === 'string') {
      const problem = textProblemOf(current);
      if (problem) return { path: pathOf(pending), problem, inKey: false };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    const isArray = Array.isArray(current);
    if (!isArray && !isPlainObject(current)) continue;
    if (pending.depth >= maxInputDepth) return { path: pathOf(pending), problem: 'too-deep', inKey: false };
    const depth = pending.depth + 1;
    if (isArray) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], key: index, parent: pending, depth });
      }
      continue;
    }
    const keys = Object.keys(current);
    for (const key of keys) {
      const problem = textProblemOf(key);
      if (problem) return { path: [...pathOf(pending), cleanText(key)], problem, inKey: true };
    }
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      if (depth === 1 && skipped.has(key)) continue;
      stack.push({ value: (current as Record<string, unknown>)[key], key, parent: pending, depth });
    }
  }
  return undefined;
}

export function describeUnsafeText(found: UnsafeText): ValidationIssue {
  const message = found.inKey
    ? `has a key that ${problemMessages[found.problem]}`
    : problemMessages[found.problem];
  return { path: found.path, message };
}

/** Refuses input holding text that cannot be stored: a ValidationError (400) naming the field. */
export function assertSafeText(value: unknown, options: TextSafetyOptions = {}): void {
  const found = findUnsafeText(value, options);
  if (!found) return;
  const issue = describeUnsafeText(found);
  const field = issue.path.length > 0 ? issue.path.join('.') : 'The input';
  throw new ValidationError(`Invalid input: ${field} ${issue.message}`, [issue]);
}

/**
 * For text the product did not receive from a person (provider data): drops U+0000 and turns a
 * lone surrogate into U+FFFD, the character PostgreSQL would have stored for it anyway.
 */
export function cleanText(text: string): string {
  if (textProblemOf(text) === undefined) return text;
  return text.replaceAll('\u0000', '').toWellFormed();
}

/**
 * cleanText over a whole value: strings, keys, arrays and plain objects, changed in place (the
 * containers are the caller's own, freshly read). Returns the value, or the cleaned string.
 */
export function cleanTextDeep<T>(value: T): T {
  return cleanDeep(value, (item) => (typeof item === 'string' ? cleanText(item) : item));
}

/**
 * What a scan stores of a provider's data: text cleaned as cleanTextDeep does, and a date outside
 * the storable range (years 1 to 9999) read as unknown (null), in place.
 */
export function cleanProviderData<T>(value: T): T {
  return cleanDeep(value, (item) => {
    if (typeof item === 'string') return cleanText(item);
    return item instanceof Date && !isStorableDate(item) ? null : item;
  });
}

/** Applies `clean` to every leaf (anything but an array or plain object), rewriting keys' text too. */
function cleanDeep<T>(value: T, clean: (item: unknown) => unknown): T {
  const isContainer = (item: unknown): item is object =>
    item !== null && typeof item === 'object' && (Array.isArray(item) || isPlainObject(item));
  if (!isContainer(value)) return clean(value) as T;
  const stack: object[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const current = stack.pop() as object;
    if (seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const cleanKey = Array.isArray(current) ? key : cleanText(key);
      if (cleanKey !== key) delete record[key];
      if (isContainer(item)) {
        record[cleanKey] = item;
        stack.push(item);
      } else {
        record[cleanKey] = clean(item);
      }
    }
  }
  return value;
}

/** The value itself when its text is storable, otherwise a cleaned copy (the caller's value is left as it was). */
export function withCleanText<T>(value: T): T {
  const found = findUnsafeText(value);
  if (!found || found.problem === 'too-deep') return value;
  return cleanTextDeep(structuredClone(value));
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
