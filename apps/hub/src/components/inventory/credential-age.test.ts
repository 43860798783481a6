import { describe, expect, it } from 'vitest';
import { ageLevel, expiryLevel, shortDuration } from './credential-age.ts';

const asOf = new Date('2026-11-22T12:00:00.000Z');
const inDays = (days: number) => new Date(asOf.getTime() + days * 86_400_000);

describe('credential age and expiry', () => {
  it('flags a credential past 90 days and alarms past a year', () => {
    expect(ageLevel(90)).toBe('ok');
    expect(ageLevel(91)).toBe('stale');
    expect(ageLevel(365)).toBe('stale');
    expect(ageLevel(366)).toBe('ancient');
  });

  it('tells expired from expiring within 30 days from later', () => {
    expect(expiryLevel(null, asOf)).toBe('none');
    expect(expiryLevel(inDays(-0.01), asOf)).toBe('expired');
    expect(expiryLevel(inDays(0), asOf)).toBe('expiring');
    expect(expiryLevel(inDays(30), asOf)).toBe('expiring');
    expect(expiryLevel(inDays(31), asOf)).toBe('ok');
  });

  it('writes durations short enough for a table', () => {
    expect(shortDuration(12)).toBe('12 d');
    expect(shortDuration(-45)).toBe('45 d');
    expect(shortDuration(150)).toBe('5 mo');
    expect(shortDuration(800)).toBe('2.2 y');
  });
});
