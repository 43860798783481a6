import { describe, expect, it } from 'vitest';
import { isStorableDate, storableDate, storableIsoDateTime } from './storable-date.ts';

describe('storableDate', () => {
  it.each([
    { case: 'the first instant of year 1', input: '0001-01-01T00:00:00.000Z' },
    { case: 'the last instant of year 9999', input: '9999-12-31T23:59:59.999Z' },
    { case: 'an ordinary date with an offset', input: '2026-03-01T10:00:00+02:00' },
    { case: 'epoch milliseconds', input: 0 },
    { case: 'a Date', input: new Date('2030-01-01T00:00:00Z') },
  ])('accepts $case', ({ input }) => {
    expect(storableDate().safeParse(input).success).toBe(true);
  });

  it.each([
    { case: 'the last instant of year 0', input: '0000-12-31T23:59:59.999Z' },
    { case: 'the first instant of year 10000', input: '+010000-01-01T00:00:00.000Z' },
    { case: 'the largest JavaScript date', input: '+275760-09-13T00:00:00.000Z' },
    { case: 'the smallest JavaScript date', input: '-271821-04-20T00:00:00.000Z' },
  ])('refuses $case with the range in the message', ({ input }) => {
    const parsed = storableDate().safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Dates run from 0001-01-01 to 9999-12-31 (UTC)');
  });

  it('refuses text that is no date', () => {
    expect(storableDate().safeParse('yesterday').success).toBe(false);
  });
});

describe('storableIsoDateTime', () => {
  it.each([
    { input: '0001-01-01T00:00:00Z', ok: true },
    { input: '9999-12-31T23:59:59.999Z', ok: true },
    { input: '0000-06-01T00:00:00Z', ok: false },
    { input: '2026-01-01', ok: false },
  ])('$input: $ok', ({ input, ok }) => {
    expect(storableIsoDateTime().safeParse(input).success).toBe(ok);
  });
});

describe('isStorableDate', () => {
  it('is false for an invalid date', () => {
    expect(isStorableDate(new Date(Number.NaN))).toBe(false);
  });
});
